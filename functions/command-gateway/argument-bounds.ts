// Arguments that set how much work or reply a command makes (COUNT options, positional counts, LIMIT
// blocks, offsets that allocate), found in the server's own `COMMAND DOCS` and bounded before sending.
import { CommandRefused } from "./errors.js";
import { parseDocs, type ArgumentDoc, type CommandDoc } from "../shared/redis/command-docs.js";

/** Where a count-like integer sits: at a fixed position, or after a token (`COUNT n`, `LIMIT offset n`). */
export interface CountArgument {
  name: string;
  /** Index into the command's arguments (the command name is 0). */
  position?: number;
  /** Case-insensitive token the value follows; `skip` values after the token come first. */
  token?: string;
  skip?: number;
  /** `limit`: negative means "every element" (LIMIT blocks, LPOS COUNT 0), so only 0..max passes. */
  kind: "count" | "limit";
}

export interface BoundLimits {
  /** Largest count, positive or negative, a command may ask for. */
  maxReplyElements: number;
  /** SCAN's COUNT, like KEYS, is bounded by the keyspace size a request may walk. */
  maxKeysScanSize: number;
  /** Largest byte offset a write may reach (SETRANGE, SETBIT, BITFIELD): Redis allocates up to it. */
  maxOffsetBytes: number;
}

const countNames = new Set(["count", "num-matches"]);
/** Counts that size neither a reply nor the work (how many to remove, retry counters, trimming effort). */
const notReplySizes = new Set(["lrem", "xclaim", "xadd", "xtrim"]);

/** The count arguments of one command's documented arguments. `first` is the index of the first argument. */
function countArgumentsOf(args: ArgumentDoc[], first: number): CountArgument[] {
  const found: CountArgument[] = [];
  // A position is known only while every argument before it is one required value.
  let position: number | undefined = first;
  for (const arg of args) {
    const isCount = countNames.has(arg.name) && arg.type === "integer";
    if (isCount && arg.token) found.push({ name: arg.name, token: arg.token, kind: arg.name === "num-matches" ? "limit" : "count" });
    else if (isCount && position !== undefined) found.push({ name: arg.name, position, kind: "count" });
    // HRANDFIELD key [count [WITHVALUES]]: an untokened optional block starting with the count.
    const [head] = arg.arguments;
    if (arg.type === "block" && !arg.token && position !== undefined && countNames.has(head?.name) && head.type === "integer") {
      found.push({ name: head.name, position, kind: "count" });
    }
    if (arg.type === "block" && arg.token) {
      arg.arguments.forEach((inner, skip) => {
        if (countNames.has(inner.name) && inner.type === "integer") found.push({ name: inner.name, token: arg.token, skip, kind: "limit" });
      });
    }
    for (const inner of arg.type === "oneof" || arg.type === "block" ? arg.arguments : []) {
      if (countNames.has(inner.name) && inner.type === "integer" && inner.token) found.push({ name: inner.name, token: inner.token, kind: "count" });
    }
    const simple = !arg.token && !arg.flags.includes("optional") && !arg.flags.includes("multiple") && arg.type !== "block" && arg.type !== "oneof";
    position = simple && position !== undefined ? position + 1 : undefined;
  }
  return found;
}

/** `COMMAND DOCS` reply -> command name (`xinfo|stream` for subcommands) -> its count arguments. */
export function parseCountArguments(reply: unknown[]): Record<string, CountArgument[]> {
  const rules: Record<string, CountArgument[]> = {};
  const add = (name: string, doc: CommandDoc, first: number) => {
    const found = countArgumentsOf(doc.arguments, first);
    if (found.length && !notReplySizes.has(name)) rules[name] = found;
    for (const [sub, subDoc] of Object.entries(doc.subcommands)) add(sub, subDoc, 2);
  };
  for (const [name, doc] of Object.entries(parseDocs(reply))) add(name, doc, 1);
  return rules;
}

const integerOf = (value: string) => (/^-?\d{1,18}$/.test(value) ? Number(value) : undefined);

function valuesOf(args: string[], rule: CountArgument): string[] {
  if (rule.position !== undefined) return rule.position < args.length ? [args[rule.position]] : [];
  const token = rule.token!.toLowerCase();
  const values: string[] = [];
  args.forEach((arg, i) => {
    const at = i + 1 + (rule.skip ?? 0);
    if (i > 0 && arg.toLowerCase() === token && at < args.length) values.push(args[at]);
  });
  return values;
}

/** Bit offsets: `n` or `#n` (n times the type's width, at most 64 bits). */
const bitOffset = (value: string) => (value.startsWith("#") ? (integerOf(value.slice(1)) ?? 0) * 64 : integerOf(value));

/** Offsets that allocate, named by hand: the docs call them all `offset` but not their unit (bytes for SETRANGE, bits for SETBIT and BITFIELD). */
function offsetsOf(name: string, args: string[]): { bits: number | undefined; what: string }[] {
  if (name === "setrange") {
    const bytes = integerOf(args[2] ?? "0");
    return [{ bits: bytes === undefined ? undefined : bytes * 8, what: "offset" }];
  }
  if (name === "setbit") return [{ bits: integerOf(args[2] ?? "0"), what: "bit offset" }];
  if (name !== "bitfield" && name !== "bitfield_ro") return [];
  const found: { bits: number | undefined; what: string }[] = [];
  args.forEach((arg, i) => {
    if (["get", "set", "incrby"].includes(arg.toLowerCase()) && i + 2 < args.length) found.push({ bits: bitOffset(args[i + 2]), what: "bit offset" });
  });
  return found;
}

/** Throws CommandRefused when an argument asks for more elements or memory than the limits allow. */
export function checkArgumentBounds(name: string, args: string[], rules: CountArgument[] | undefined, limits: BoundLimits): void {
  for (const rule of rules ?? []) {
    // SCAN's COUNT walks the keyspace like KEYS does, so the same limit bounds it.
    const max = name === "scan" && rule.token === "COUNT" ? limits.maxKeysScanSize : limits.maxReplyElements;
    // `limit` values below their floor mean "every element" (LIMIT 0 -1, LPOS ... COUNT 0).
    const min = rule.kind === "count" ? -max : rule.name === "count" ? 0 : 1;
    for (const value of valuesOf(args, rule)) {
      const n = integerOf(value);
      if (n === undefined) continue; // not an integer: Redis says so itself
      if (n < min || n > max) {
        throw new CommandRefused(
          `ERR command '${name}' is not allowed: ${rule.token ? `${rule.token} ` : ""}${rule.name} ${value} is outside ${min} to ${max}`,
        );
      }
    }
  }
  for (const { bits, what } of offsetsOf(name, args)) {
    if (bits !== undefined && bits > limits.maxOffsetBytes * 8) {
      throw new CommandRefused(
        `ERR command '${name}' is not allowed: the ${what} reaches past ${limits.maxOffsetBytes} bytes (the limit a write may allocate)`,
      );
    }
  }
}
