// How many times a field's reply is copied into the response: once per selection of `value` (aliases
// and fragments included), as AppSync's `info.selectionSetGraphQL` spells them. A reply selected k
// times costs k times its bytes, so aliases cannot multiply a request's reply limit; every other
// selection (`type`, `error`, `__typename`, aliased or not) costs a fixed size for each reply.

/** Strings and comments out first: a field name inside them selects nothing. */
const code = (text: string) => text.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\])*"|#[^\n]*/g, " ");

/** The selections of `value` in `selectionSetGraphQL` (at least 1). Over-counts a fragment defined but unused: never under. */
export function replyCopies(selectionSetGraphQL: string | undefined): number {
  if (!selectionSetGraphQL) return 1;
  const selections = code(selectionSetGraphQL).match(/(?<![\w$])(?:[A-Za-z_]\w*\s*:\s*)?value(?![\w])/g);
  return Math.max(1, selections?.length ?? 0);
}

/** The selections of a reply's other fields (`type`, `error`, `__typename`), aliases and fragments included. */
export function fixedSelections(selectionSetGraphQL: string | undefined): number {
  if (!selectionSetGraphQL) return 0;
  return code(selectionSetGraphQL).match(/(?<![\w$])(?:[A-Za-z_]\w*\s*:\s*)?(?:type|error|__typename)(?![\w])/g)?.length ?? 0;
}

/** What one fixed selection adds to each reply in the response, at most (`"<alias>":"STATUS",` with a long alias). */
export const fixedSelectionBytes = 64;
