// The cost rules of the exposure list, applied to a parsed command. What the arguments decide is
// checked at once; what depends on the data (a collection's size, a value's memory, the keyspace's)
// becomes a probe that runs before the command, in one round trip for the whole request.
import type { ParsedCommand, ParsedValue } from "../redis/command-grammar.js";
import type { Bound, CostRule } from "./exposure.js";
import type { GatewaySettings } from "./settings.js";
import { patternCost } from "./patterns.js";
import {
  chargeWork,
  chargeWorkNow,
  copyCheck,
  refusal,
  replyBytesCheck,
  sizeFrom,
  sizeProbes,
  sizes,
  type CostContext,
  type ServerCheck,
} from "./server-checks.js";

export { refusal, type CopyAllowance, type CostContext, type ServerCheck } from "./server-checks.js";

const boundOf = (bound: Bound, settings: GatewaySettings) =>
  ({ reply: settings.maxReplyElements, scan: settings.maxKeysScanSize, work: settings.maxWorkElements, bytes: settings.maxOffsetBytes })[bound];
const boundName: Record<Bound, string> = {
  reply: "elements a reply may hold",
  scan: "keys a request may walk",
  work: "elements a command may walk",
  bytes: "bytes a bitmap command may walk",
};

/** Keys a command writes its result to, not one it reads. */
const destinations = new Set(["destination", "destkey", "dst"]);

const integerOf = (value: string) => (/^-?\d{1,18}$/.test(value) ? Number(value) : undefined);

function integer(ctx: CostContext, value: ParsedValue): number {
  const n = integerOf(value.value);
  if (n === undefined) throw refusal(ctx.name, `${label(value)} '${value.value.slice(0, 32)}' is not an integer`);
  return n;
}

/** How a message names an argument: `COUNT count`, `COUNT num-matches`, or a positional's name. */
const label = (value: ParsedValue) => `${value.token ? `${value.token} ` : ""}${value.name}`;

const distinctKeys = (ctx: CostContext, keys: string[]) => {
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) throw refusal(ctx.name, `key '${key.slice(0, 64)}' is named twice (each name costs the server another pass)`);
    seen.add(key);
  }
};

function count(ctx: CostContext, rule: { argument: string; bound: Bound; floor?: number; negative?: true }, parse: ParsedCommand): ParsedValue[] {
  const max = boundOf(rule.bound, ctx.settings);
  const min = rule.negative ? -max : (rule.floor ?? 0);
  const values = parse.get(rule.argument);
  for (const value of values) {
    const n = integer(ctx, value);
    if (n < min || n > max) throw refusal(ctx.name, `${label(value)} ${value.value} is outside ${min} to ${max}`);
    if (rule.bound !== "bytes") chargeWorkNow(ctx, Math.abs(n));
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

type RuleOf<K extends CostRule["rule"]> = Extract<CostRule, { rule: K }>;
/** What one rule checks: it throws CommandRefused for what the arguments decide, and returns the checks that need the server. */
type RuleCheck<K extends CostRule["rule"]> = (ctx: CostContext, rule: RuleOf<K>, parse: ParsedCommand, keys: string[]) => ServerCheck[];

const ruleChecks: { [K in CostRule["rule"]]: RuleCheck<K> } = {
  count: (ctx, rule, parse) => {
    count(ctx, rule, parse);
    return [];
  },
  "count-or-size": (ctx, rule, parse, keys) => {
    const given = count(ctx, { ...rule, floor: rule.floor ?? 1 }, parse);
    const max = boundOf(rule.bound, ctx.settings);
    if (given.length === 0) return [sizes(ctx, keys, max, `without ${rule.argument.toUpperCase()}, the reply is every element: their number`)];
    const elements = Number(given[0].value) * keys.length;
    if (keys.length > 1 && elements > max) {
      throw refusal(ctx.name, `${label(given[0])} ${given[0].value} over ${keys.length} keys is ${elements} elements, over the limit of ${max}`);
    }
    return [];
  },
  span: (ctx, rule, parse, keys) => {
    const max = boundOf(rule.bound, ctx.settings);
    const length = spanOf(ctx, parse.get(rule.start)[0], parse.get(rule.stop)[0]);
    if (length === undefined) return [sizes(ctx, keys, max, "the range runs to the end: the collection's size")];
    if (length > max) throw refusal(ctx.name, `the range holds ${length} elements, over the limit of ${max}`);
    chargeWorkNow(ctx, length);
    return [];
  },
  range: (ctx, rule, parse) => sortedRange(ctx, rule.bound, parse),
  size: (ctx, rule, _parse, keys) =>
    keys.map((key) => sizes(ctx, [key], boundOf(rule.bound, ctx.settings), `the size of '${key.slice(0, 64)}' (${boundName[rule.bound]})`)),
  combined: (ctx, rule, parse) => {
    const sources = parse.keys.filter((k) => !destinations.has(k.name)).map((k) => k.value);
    distinctKeys(ctx, sources);
    const what = `the keys' sizes together${rule.weight ? ` (times ${rule.weight}: the result is ordered)` : ""} (${boundName[rule.bound]})`;
    return [sizes(ctx, sources, boundOf(rule.bound, ctx.settings), what, { weight: rule.weight })];
  },
  elements: (ctx, rule, parse) => {
    const n = parse.get(rule.argument).length;
    const max = ctx.settings.maxReplyElements;
    if (n > max) throw refusal(ctx.name, `${n} ${rule.argument}s is a reply of ${n} elements, over the limit of ${max}`);
    chargeWorkNow(ctx, n);
    return [];
  },
  "reply-bytes": (ctx, _rule, parse) => [
    replyBytesCheck(
      ctx,
      parse.keys.map((k) => k.value),
    ),
  ],
  distinct: (ctx, _rule, _parse, keys) => {
    distinctKeys(ctx, keys);
    return [];
  },
  copy: (ctx, _rule, parse, keys) => [copyCheck(ctx, parse.get("source")[0]?.value ?? keys[0])],
  offset: (ctx, rule, parse) => {
    const max = ctx.settings.maxOffsetBytes;
    if (parse.get(rule.argument).some((value) => bitOf(ctx, value, rule.unit, parse) > max * 8)) {
      throw refusal(ctx.name, `the ${rule.unit === "bit" ? "bit offset" : "offset"} reaches past ${max} bytes (the limit a write may allocate)`);
    }
    return [];
  },
  sort: (ctx, _rule, parse, keys) => sortChecks(ctx, parse, keys),
  keyspace: ({ settings }) => [
    {
      probes: [["DBSIZE"]],
      verdict: ([size]) =>
        Number(size) > settings.maxKeysScanSize ? `it walks a keyspace of ${size} keys (limit ${settings.maxKeysScanSize}): use SCAN` : undefined,
    },
  ],
  introspection: (ctx, _rule, parse) => {
    const names = parse.get("command-name").length;
    if ((ctx.name === "command|docs" || ctx.name === "command|info") && (names < 1 || names > 16)) {
      throw refusal(ctx.name, `it needs 1 to 16 command names (the whole table is a reply of megabytes), not ${names}`);
    }
    if (parse.values.length > names) throw refusal(ctx.name, "COMMAND LIST takes no filter here");
    return [];
  },
  sections: (ctx, rule, parse) => {
    const sections = parse.get("section").map((s) => s.value.toLowerCase());
    const bad = sections.find((s) => !rule.allowed.includes(s));
    if (sections.length === 0 || bad !== undefined) {
      const why = bad === undefined ? "it needs sections" : `section '${bad.slice(0, 32)}' is not offered`;
      throw refusal(ctx.name, `${why}: ask for ${rule.allowed.join(", ")}`);
    }
    return [];
  },
};

/** Checks `rules` on `parse`, in order: throws CommandRefused for what the arguments decide, returns the checks that need the server. */
export function costChecks(ctx: CostContext, rules: readonly CostRule[], parse: ParsedCommand): ServerCheck[] {
  const keys = parse.keys.map((k) => k.value);
  checkPatterns(ctx, parse);
  // The table gives each rule its own kind's check; TypeScript cannot follow that through an index.
  return rules.flatMap((rule) => (ruleChecks[rule.rule] as RuleCheck<CostRule["rule"]>)(ctx, rule, parse, keys));
}

/**
 * Every pattern argument within its shape; a walk that matches one (SCAN's COUNT, 10 by default) is
 * charged its matches' extra cost beyond the plain match its count already paid.
 */
function checkPatterns(ctx: CostContext, parse: ParsedCommand): void {
  for (const value of parse.values.filter((v) => v.type === "pattern")) {
    const cost = patternCost(value.value);
    if ("refused" in cost) throw refusal(ctx.name, cost.refused, "grammar");
    const walked = integerOf(parse.get("count")[0]?.value ?? "10") ?? 10;
    if (cost.factor > 1) chargeWorkNow(ctx, (cost.factor - 1) * walked);
  }
}

/** A LIMIT block's offset and count (whatever the engine names the block: `limit`, `offset_count`). */
const limitOf = (parse: ParsedCommand) => ["offset", "count"].map((name) => parse.get(name).find((v) => v.token === "LIMIT"));

/** ZRANGE and its relatives: by index a span, by score or lex a LIMIT's count (or the size); an offset is walked. */
function sortedRange(ctx: CostContext, bound: Bound, parse: ParsedCommand): ServerCheck[] {
  const max = boundOf(bound, ctx.settings);
  const byValue = parse.has("BYSCORE") || parse.has("BYLEX") || /byscore|bylex/.test(ctx.name);
  const source = parse.keys.filter((k) => !destinations.has(k.name)).map((k) => k.value);
  if (!byValue) {
    const length = spanOf(ctx, parse.get("start")[0] ?? parse.get("min")[0], parse.get("stop")[0] ?? parse.get("max")[0]);
    if (length === undefined) return [sizes(ctx, source, max, "the range runs to the end: the collection's size")];
    if (length > max) throw refusal(ctx.name, `the range holds ${length} elements, over the limit of ${max}`);
    return [];
  }
  const [offset, limit] = limitOf(parse);
  if (offset && integer(ctx, offset) > ctx.settings.maxWorkElements) {
    throw refusal(ctx.name, `LIMIT offset ${offset.value} walks past the limit of ${ctx.settings.maxWorkElements} elements`);
  }
  const n = limit ? integer(ctx, limit) : -1;
  if (n > max) throw refusal(ctx.name, `LIMIT count ${n} is over the limit of ${max}`);
  return n < 0 ? [sizes(ctx, source, max, "without a LIMIT count, the reply is every match: the set's size")] : [];
}

/** SORT sorts the whole collection (its size is walked) and returns LIMIT's count (or all) once per GET pattern. */
function sortChecks(ctx: CostContext, parse: ParsedCommand, [key]: string[]): ServerCheck[] {
  const gets = Math.max(1, parse.get("GET").length);
  const [offset, limit] = limitOf(parse);
  if (offset && integer(ctx, offset) > ctx.settings.maxWorkElements)
    throw refusal(ctx.name, `LIMIT offset ${offset.value} is over the limit of ${ctx.settings.maxWorkElements}`);
  const n = limit ? integer(ctx, limit) : -1;
  if (n >= 0 && n * gets > ctx.settings.maxReplyElements)
    throw refusal(ctx.name, `LIMIT count ${n} with ${gets} GET patterns is over the limit of ${ctx.settings.maxReplyElements}`);
  return [
    {
      probes: sizeProbes(key),
      verdict: (replies) => {
        const size = sizeFrom(key, replies);
        if (typeof size === "string") return size;
        if (size > ctx.settings.maxWorkElements) return `it sorts ${size} elements, over the limit of ${ctx.settings.maxWorkElements}`;
        if (n < 0 && size * gets > ctx.settings.maxReplyElements)
          return `without a LIMIT, the reply is ${size * gets} elements, over the limit of ${ctx.settings.maxReplyElements}`;
        return chargeWork(ctx, size);
      },
    },
  ];
}
