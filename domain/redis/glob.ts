// Redis's glob, as PSUBSCRIBE, KEYS and SCAN MATCH read it (util.c's stringmatchlen): `*`, `?`,
// `[abc]`, `[^abc]`, `[a-z]` and `\` escapes, case-sensitive. The gateway filters a pattern
// subscription's messages with it, so it must agree with the engine on every pattern it admits
// (patterns.ts bounds their length and stars first).

/** `literal` as a glob that matches exactly it (`*`, `?`, `[`, `]` and `\` escaped). */
export const escapeGlob = (literal: string) => literal.replace(/[*?[\]\\]/g, "\\$&");

/** Whether `text` matches the Redis glob `pattern`. */
export function redisGlobMatches(pattern: string, text: string): boolean {
  return matchFrom(pattern, 0, text, 0);
}

function matchFrom(pattern: string, p: number, text: string, t: number): boolean {
  while (p < pattern.length) {
    const c = pattern[p];
    if (c === "*") {
      while (pattern[p + 1] === "*") p++;
      if (p + 1 === pattern.length) return true;
      for (let from = t; from <= text.length; from++) if (matchFrom(pattern, p + 1, text, from)) return true;
      return false;
    }
    if (t >= text.length) return false;
    if (c === "?") {
      p++;
      t++;
      continue;
    }
    if (c === "[") {
      const { matched, end } = matchClass(pattern, p, text[t]);
      if (!matched) return false;
      p = end + 1;
      t++;
      continue;
    }
    const literal = c === "\\" && p + 1 < pattern.length ? pattern[++p] : c;
    if (literal !== text[t]) return false;
    p++;
    t++;
  }
  return t === text.length;
}

/** Whether `char` is in the class opened at `open`, and where the class ends (its `]`, or the pattern's last character). */
function matchClass(pattern: string, open: number, char: string): { matched: boolean; end: number } {
  let p = open + 1;
  const negated = pattern[p] === "^";
  if (negated) p++;
  let matched = false;
  for (; p < pattern.length && pattern[p] !== "]"; p++) {
    if (pattern[p] === "\\" && p + 1 < pattern.length) {
      if (pattern[++p] === char) matched = true;
    } else if (pattern[p + 1] === "-" && p + 2 < pattern.length) {
      let [low, high] = [pattern[p], pattern[p + 2]];
      if (low > high) [low, high] = [high, low];
      if (char >= low && char <= high) matched = true;
      p += 2;
    } else if (pattern[p] === char) matched = true;
  }
  // An unclosed class runs to the end: the engine steps back onto its last character.
  const end = p < pattern.length ? p : pattern.length - 1;
  return { matched: negated ? !matched : matched, end };
}
