// What a documented argument looks like to a parser: the tokens it can begin with, the fewest words
// it takes, and what follows it. Pure helpers of command-grammar.ts.
import type { ArgumentDoc } from "./command-docs.js";

/** What follows an argument: the fewest arguments it needs, and the tokens that end a list of values. */
export interface After {
  min: number;
  stops: Set<string>;
}

export const flagged = (arg: ArgumentDoc, flag: string) => arg.flags.includes(flag);
export const optional = (arg: ArgumentDoc) => flagged(arg, "optional");
export const multiple = (arg: ArgumentDoc) => flagged(arg, "multiple");
export const upper = (token: string | undefined) => token?.toUpperCase();

const startTokensOf = new WeakMap<ArgumentDoc, Set<string> | null>();
/** The tokens every occurrence of `arg` begins with; null when it can begin with a plain value. */
export function startTokens(arg: ArgumentDoc): Set<string> | null {
  if (startTokensOf.has(arg)) return startTokensOf.get(arg)!;
  let tokens: Set<string> | null = null;
  if (arg.token !== undefined) tokens = new Set([upper(arg.token)!]);
  else if (arg.type === "oneof") {
    const alternatives = arg.arguments.map(startTokens);
    tokens = alternatives.every((t) => t !== null) ? new Set(alternatives.flatMap((t) => [...t!])) : null;
  } else if (arg.type === "block") {
    // A block begins with its first argument, or the next one when that is optional, and so on.
    const found = new Set<string>();
    let complete = false;
    for (const inner of arg.arguments) {
      const own = startTokens(inner);
      if (own === null) break;
      own.forEach((t) => found.add(t));
      if (!optional(inner)) {
        complete = true;
        break;
      }
    }
    tokens = complete ? found : null;
  }
  startTokensOf.set(arg, tokens);
  return tokens;
}

/** The fewest arguments one occurrence of `arg` takes. */
export function minimum(arg: ArgumentDoc): number {
  const token = arg.token !== undefined && arg.type !== "pure-token" ? 1 : 0;
  if (arg.type === "oneof") return token + Math.min(...arg.arguments.map(minimum));
  if (arg.type === "block") return token + arg.arguments.reduce((n, inner) => n + (optional(inner) ? 0 : minimum(inner)), 0);
  return token + 1;
}

/** What follows `items` (in order) inside an enclosing `after`. */
export function following(items: ArgumentDoc[], after: After): After {
  const stops = new Set(after.stops);
  let min = after.min;
  for (const item of items) {
    startTokens(item)?.forEach((t) => stops.add(t));
    if (!optional(item)) min += minimum(item);
  }
  return { min, stops };
}

/** A block of two lists of equal length (STREAMS key [key ...] id [id ...]). */
export const pairedLists = (arg: ArgumentDoc) => arg.type === "block" && arg.arguments.length === 2 && arg.arguments.every((a) => multiple(a) && !optional(a));

/**
 * An option: led by a token, so it may come anywhere in its run. A required choice among bare tokens
 * (GEORADIUS's unit, LMOVE's LEFT|RIGHT, BITOP's operation) is not one: the engine reads it in place.
 */
export function isOption(arg: ArgumentDoc): boolean {
  if (!startTokens(arg)) return false;
  const bareChoice = arg.type === "oneof" && arg.token === undefined && arg.arguments.every((a) => a.type === "pure-token");
  return !(bareChoice && !optional(arg));
}
