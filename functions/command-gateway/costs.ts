// The cost rules of the exposure list, applied to a parsed command. What the arguments decide is
// checked at once; what depends on the data (a collection's size, a value's memory, the keyspace's)
// becomes a probe that runs before the command, in one round trip for the whole request.
import type { ParsedCommand, ParsedValue } from "../shared/redis/command-grammar.js";
import type { RespReply } from "../shared/redis/resp-connection.js";
import { CommandRefused, type RefusalReason } from "./errors.js";
import type { Bound, CostRule } from "./exposure.js";

export interface CostLimits {
  /** Elements a reply may hold (counts, ranges, whole collections read). */
  maxReplyElements: number;
  /** Keys KEYS may see and SCAN's COUNT. */
  maxKeysScanSize: number;
  /** Elements a command may make the server walk or combine without returning them. */
  maxWorkElements: number;
  /** The byte an offset may reach, and the bytes a bitmap command may walk. */
  maxOffsetBytes: number;
}

/** What is left of a request's allowance for copies inside Redis (COPY's sources), in bytes. */
export interface CopyAllowance {
  copyBytes: number;
  readonly limits: { maxCopyBytes: number };
}

/** A question for the server asked before the command runs, and the refusal its answer may mean. */
export interface ServerCheck {
  probes: string[][];
  /** The reason to refuse, or undefined; `replies` answer `probes`, in order. */
  verdict(replies: RespReply[]): string | undefined;
}

export interface CostContext {
  name: string;
  /** COMMAND DOCS's group: which size command measures its keys. */
  group: string;
  limits: CostLimits;
  allowance: CopyAllowance;
}

const boundOf = (bound: Bound, limits: CostLimits) =>
  ({ reply: limits.maxReplyElements, scan: limits.maxKeysScanSize, work: limits.maxWorkElements, bytes: limits.maxOffsetBytes })[bound];
const boundName: Record<Bound, string> = {
  reply: "elements a reply may hold",
  scan: "keys a request may walk",
  work: "elements a command may walk",
  bytes: "bytes a bitmap command may walk",
};

/** The size command of a key by the command's group; a generic command (SORT) asks all three collection kinds. */
const sizeCommands: Record<string, string[]> = {
  list: ["LLEN"],
  set: ["SCARD"],
  "sorted-set": ["ZCARD"],
  geo: ["ZCARD"],
  hash: ["HLEN"],
  stream: ["XLEN"],
  string: ["STRLEN"],
  bitmap: ["STRLEN"],
  generic: ["LLEN", "SCARD", "ZCARD"],
};

/** Keys a command writes its result to, not one it reads. */
const destinations = new Set(["destination", "destkey", "dst"]);

const integerOf = (value: string) => (/^-?\d{1,18}$/.test(value) ? Number(value) : undefined);

/** `reason`: a cost rule's refusal unless said otherwise. */
export function refusal(name: string, why: string, reason: RefusalReason = "cost"): CommandRefused {
  return new CommandRefused(`ERR command '${name}' is not allowed: ${why}`, reason);
}

function integer(ctx: CostContext, value: ParsedValue): number {
  const n = integerOf(value.value);
  if (n === undefined) throw refusal(ctx.name, `${label(value)} '${value.value.slice(0, 32)}' is not an integer`);
  return n;
}

/** How a message names an argument: `COUNT count`, `COUNT num-matches`, or a positional's name. */
const label = (value: ParsedValue) => `${value.token ? `${value.token} ` : ""}${value.name}`;

/** The largest size among a key's size replies (the wrong-type ones are errors: another kind of collection). */
const sizeOf = (replies: RespReply[]) => Math.max(0, ...replies.map((r) => (typeof r === "string" ? Number(r) : 0)));

/** One check: the keys' sizes, summed, against `max`. */
function sizes(ctx: CostContext, keys: string[], max: number, what: string): ServerCheck {
  const each = sizeCommands[ctx.group] ?? sizeCommands.generic;
  return {
    probes: keys.flatMap((key) => each.map((command) => [command, key])),
    verdict: (replies) => {
      let total = 0;
      for (let i = 0; i < keys.length; i++) total += sizeOf(replies.slice(i * each.length, (i + 1) * each.length));
      return total > max ? `${what} is ${total}, over the limit of ${max}` : undefined;
    },
  };
}

const distinctKeys = (ctx: CostContext, keys: string[]) => {
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) throw refusal(ctx.name, `key '${key.slice(0, 64)}' is named twice (each name costs the server another pass)`);
    seen.add(key);
  }
};

function count(ctx: CostContext, rule: { argument: string; bound: Bound; floor?: number; negative?: true }, parse: ParsedCommand): ParsedValue[] {
  const max = boundOf(rule.bound, ctx.limits);
  const min = rule.negative ? -max : (rule.floor ?? 0);
  const values = parse.get(rule.argument);
  for (const value of values) {
    const n = integer(ctx, value);
    if (n < min || n > max) throw refusal(ctx.name, `${label(value)} ${value.value} is outside ${min} to ${max}`);
  }
  return values;
}

/** The length of an index range when the signs agree; undefined when only the collection's size tells. */
function spanOf(ctx: CostContext, start: ParsedValue | undefined, stop: ParsedValue | undefined): number | undefined {
  if (!start || !stop) return 0;
  const [a, b] = [integer(ctx, start), integer(ctx, stop)];
  if (a < 0 !== b < 0) return undefined;
  return Math.max(0, b - a + 1);
}

/** The bit an offset reaches: `n`, or `#n` (n times the type's width, BITFIELD's `u8`, `i5`). */
function bitOf(ctx: CostContext, value: ParsedValue, unit: "byte" | "bit", parse: ParsedCommand): number {
  const indexed = value.value.startsWith("#");
  const n = integerOf(indexed ? value.value.slice(1) : value.value);
  if (n === undefined) throw refusal(ctx.name, `${value.name} '${value.value.slice(0, 32)}' is not an integer`);
  const encoding = parse.values.find((v) => v.index === value.index - 1 && v.name === "encoding")?.value ?? "u64";
  return indexed ? n * (Number(encoding.slice(1)) || 64) : unit === "byte" ? n * 8 : n;
}

/** Checks `rules` on `parse`: throws CommandRefused for what the arguments decide, returns the checks that need the server. */
export function costChecks(ctx: CostContext, rules: readonly CostRule[], parse: ParsedCommand): ServerCheck[] {
  const checks: ServerCheck[] = [];
  const keys = parse.keys.map((k) => k.value);
  const { limits } = ctx;
  for (const rule of rules) {
    switch (rule.rule) {
      case "count":
        count(ctx, rule, parse);
        break;
      case "count-or-size": {
        const given = count(ctx, { ...rule, floor: rule.floor ?? 1 }, parse);
        const max = boundOf(rule.bound, limits);
        if (given.length === 0) checks.push(sizes(ctx, keys, max, `without ${rule.argument.toUpperCase()}, the reply is every element: their number`));
        else if (keys.length > 1 && Number(given[0].value) * keys.length > max) {
          throw refusal(
            ctx.name,
            `${label(given[0])} ${given[0].value} over ${keys.length} keys is ${Number(given[0].value) * keys.length} elements, over the limit of ${max}`,
          );
        }
        break;
      }
      case "span": {
        const max = boundOf(rule.bound, limits);
        const length = spanOf(ctx, parse.get(rule.start)[0], parse.get(rule.stop)[0]);
        if (length === undefined) checks.push(sizes(ctx, keys, max, "the range runs to the end: the collection's size"));
        else if (length > max) throw refusal(ctx.name, `the range holds ${length} elements, over the limit of ${max}`);
        break;
      }
      case "range":
        checks.push(...sortedRange(ctx, rule.bound, parse));
        break;
      case "size":
        for (const key of keys) checks.push(sizes(ctx, [key], boundOf(rule.bound, limits), `the size of '${key.slice(0, 64)}' (${boundName[rule.bound]})`));
        break;
      case "combined": {
        const sources = parse.keys.filter((k) => !destinations.has(k.name)).map((k) => k.value);
        distinctKeys(ctx, sources);
        checks.push(sizes(ctx, sources, boundOf(rule.bound, limits), `the keys' sizes together (${boundName[rule.bound]})`));
        break;
      }
      case "elements": {
        const n = parse.get(rule.argument).length;
        if (n > limits.maxReplyElements)
          throw refusal(ctx.name, `${n} ${rule.argument}s is a reply of ${n} elements, over the limit of ${limits.maxReplyElements}`);
        break;
      }
      case "distinct":
        distinctKeys(ctx, keys);
        break;
      case "copy":
        checks.push(copyCheck(ctx, parse.get("source")[0]?.value ?? keys[0]));
        break;
      case "offset":
        for (const value of parse.get(rule.argument)) {
          if (bitOf(ctx, value, rule.unit, parse) > limits.maxOffsetBytes * 8) {
            throw refusal(
              ctx.name,
              `the ${rule.unit === "bit" ? "bit offset" : "offset"} reaches past ${limits.maxOffsetBytes} bytes (the limit a write may allocate)`,
            );
          }
        }
        break;
      case "sort":
        checks.push(...sortChecks(ctx, parse, keys));
        break;
      case "keyspace":
        checks.push({
          probes: [["DBSIZE"]],
          verdict: ([size]) =>
            Number(size) > limits.maxKeysScanSize ? `it walks a keyspace of ${size} keys (limit ${limits.maxKeysScanSize}): use SCAN` : undefined,
        });
        break;
      case "introspection": {
        const names = parse.get("command-name").length;
        if ((ctx.name === "command|docs" || ctx.name === "command|info") && (names < 1 || names > 16)) {
          throw refusal(ctx.name, `it needs 1 to 16 command names (the whole table is a reply of megabytes), not ${names}`);
        }
        if (parse.values.length > names) throw refusal(ctx.name, "COMMAND LIST takes no filter here");
        break;
      }
      case "sections": {
        const sections = parse.get("section").map((s) => s.value.toLowerCase());
        const bad = sections.find((s) => !rule.allowed.includes(s));
        if (sections.length === 0 || bad !== undefined) {
          throw refusal(
            ctx.name,
            `${bad === undefined ? "it needs sections" : `section '${bad.slice(0, 32)}' is not offered`}: ask for ${rule.allowed.join(", ")}`,
          );
        }
        break;
      }
    }
  }
  return checks;
}

/** A LIMIT block's offset and count (whatever the engine names the block: `limit`, `offset_count`). */
const limitOf = (parse: ParsedCommand) => ["offset", "count"].map((name) => parse.get(name).find((v) => v.token === "LIMIT"));

/** ZRANGE and its relatives: by index a span, by score or lex a LIMIT's count (or the size); an offset is walked. */
function sortedRange(ctx: CostContext, bound: Bound, parse: ParsedCommand): ServerCheck[] {
  const max = boundOf(bound, ctx.limits);
  const byValue = parse.has("BYSCORE") || parse.has("BYLEX") || /byscore|bylex/.test(ctx.name);
  const source = parse.keys.filter((k) => !destinations.has(k.name)).map((k) => k.value);
  if (!byValue) {
    const length = spanOf(ctx, parse.get("start")[0] ?? parse.get("min")[0], parse.get("stop")[0] ?? parse.get("max")[0]);
    if (length === undefined) return [sizes(ctx, source, max, "the range runs to the end: the collection's size")];
    if (length > max) throw refusal(ctx.name, `the range holds ${length} elements, over the limit of ${max}`);
    return [];
  }
  const [offset, limit] = limitOf(parse);
  if (offset && integer(ctx, offset) > ctx.limits.maxWorkElements) {
    throw refusal(ctx.name, `LIMIT offset ${offset.value} walks past the limit of ${ctx.limits.maxWorkElements} elements`);
  }
  const n = limit ? integer(ctx, limit) : -1;
  if (n > max) throw refusal(ctx.name, `LIMIT count ${n} is over the limit of ${max}`);
  return n < 0 ? [sizes(ctx, source, max, "without a LIMIT count, the reply is every match: the set's size")] : [];
}

/** SORT sorts the whole collection (its size is walked) and returns LIMIT's count (or all) once per GET pattern. */
function sortChecks(ctx: CostContext, parse: ParsedCommand, [key]: string[]): ServerCheck[] {
  const gets = Math.max(1, parse.get("GET").length);
  const [offset, limit] = limitOf(parse);
  if (offset && integer(ctx, offset) > ctx.limits.maxWorkElements)
    throw refusal(ctx.name, `LIMIT offset ${offset.value} is over the limit of ${ctx.limits.maxWorkElements}`);
  const n = limit ? integer(ctx, limit) : -1;
  if (n >= 0 && n * gets > ctx.limits.maxReplyElements)
    throw refusal(ctx.name, `LIMIT count ${n} with ${gets} GET patterns is over the limit of ${ctx.limits.maxReplyElements}`);
  return [
    {
      probes: sizeCommands.generic.map((command) => [command, key]),
      verdict: (replies) => {
        const size = sizeOf(replies);
        if (size > ctx.limits.maxWorkElements) return `it sorts ${size} elements, over the limit of ${ctx.limits.maxWorkElements}`;
        if (n < 0 && size * gets > ctx.limits.maxReplyElements)
          return `without a LIMIT, the reply is ${size * gets} elements, over the limit of ${ctx.limits.maxReplyElements}`;
        return undefined;
      },
    },
  ];
}

/** COPY: what the source takes in memory (MEMORY USAGE), against what is left of the request's copy allowance. */
function copyCheck(ctx: CostContext, source: string): ServerCheck {
  return {
    probes: [["MEMORY", "USAGE", source]],
    verdict: ([usage]) => {
      const bytes = typeof usage === "string" ? Number(usage) : 0;
      if (bytes > ctx.allowance.copyBytes) {
        const left = ctx.allowance.copyBytes === ctx.allowance.limits.maxCopyBytes ? "the limit" : `the ${ctx.allowance.copyBytes} left of the limit`;
        return `copying '${source.slice(0, 64)}' (${bytes} bytes) exceeds ${left} of ${ctx.allowance.limits.maxCopyBytes} bytes a request may copy`;
      }
      ctx.allowance.copyBytes -= bytes;
      return undefined;
    },
  };
}
