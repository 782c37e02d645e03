// Glob patterns are grammar too (SCAN's MATCH, KEYS, HSCAN, PUBSUB CHANNELS, SORT's BY and GET): the
// engine matches each one against every key or element it walks, backtracking over stars and reading
// classes character by character, so a long class or many stars make every match slow. One function
// bounds a pattern's length and shape, and says how much more than a plain match it costs.

/** The shape a pattern may have. */
export const patternLimits = {
  /** Bytes in the whole pattern. */
  length: 256,
  /** `*` wildcards (each may backtrack over the others). */
  stars: 8,
  /** `[...]` classes. */
  classes: 4,
  /** Characters inside one class. */
  classLength: 32,
} as const;

/** Why a pattern is refused, or how many plain matches one match of it costs (1 for `user:*`, 3 for `*a*b*`). */
export function patternCost(pattern: string): { refused: string } | { factor: number } {
  const { length, stars, classes, classLength } = patternLimits;
  if (Buffer.byteLength(pattern) > length) return { refused: `a pattern of ${Buffer.byteLength(pattern)} bytes is over the limit of ${length}` };
  let starCount = 0;
  let classCount = 0;
  let classChars = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "*") starCount++;
    else if (c === "[") {
      classCount++;
      const close = closingBracket(pattern, i);
      if (close - i - 1 > classLength) return { refused: `a pattern's class of ${close - i - 1} characters is over the limit of ${classLength}` };
      classChars += close - i - 1;
      i = close;
    }
  }
  if (starCount > stars) return { refused: `a pattern with ${starCount} stars is over the limit of ${stars}` };
  if (classCount > classes) return { refused: `a pattern with ${classCount} classes is over the limit of ${classes}` };
  // Each star may rescan the rest of the key, each class reads its characters: cost grows with both.
  return { factor: Math.max(1, starCount) + Math.floor((pattern.length + classChars) / 64) };
}

/** Where the class opened at `open` ends (the engine's own reading: `\` escapes, the first `]` closes, an unclosed class runs to the end). */
function closingBracket(pattern: string, open: number): number {
  for (let i = open + 1; i < pattern.length; i++) {
    if (pattern[i] === "\\") i++;
    else if (pattern[i] === "]") return i;
  }
  return pattern.length;
}
