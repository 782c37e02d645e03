// Mappings: which keys the listener follows, and how a key's value becomes a DynamoDB item.
import { MappingError } from "./errors.js";
import { reservedAttributes, type Change } from "./writer.js";
import { typeNames, valueTypeOf, type ReadValue } from "./types/value-type.js";
import { parseSqlDestination, type SqlDestination } from "./sql-destination.js";

export { MappingError };

export interface Mapping {
  name: string;
  pattern: string;
  table: string;
  lambda?: string;
  partitionKey: string;
  format: "attributes" | "envelope";
  /** The engine TYPE names the mapping accepts (`hash`, `string`, `list`, `set`, `zset`, `ReJSON-RL`); absent: every type. */
  types?: string[];
  /** Strings that are plain decimals become DynamoDB numbers. */
  numbers?: boolean;
  /** A SQL table instead of DynamoDB (`destination` and `columns` in the file); `table` is then the SQL table. */
  sql?: SqlDestination;
}

export interface CompiledMapping extends Mapping {
  /** The placeholder's name, when the pattern has one. */
  placeholder?: string;
  /** With a placeholder: the literal text before and after it. Without: the whole pattern is a glob. */
  before: string;
  after: string;
  /** SCAN MATCH pattern for every key the mapping covers. */
  scanPattern: string;
}

/** Bounds on what a mapping may ask of the listener (a mapping can be added by anyone who writes to Redis). */
export const maxPatternLength = 256;
export const maxMappings = 100;

/** Keys of the listener's own bookkeeping; never mapped, whatever the patterns say. */
export const internalPrefix = "changefeed:";

const fieldsAllowed = ["name", "pattern", "table", "lambda", "partitionKey", "format", "types", "numbers", "destination", "columns"];

export interface MappingOptions {
  /** A pattern with no literal text of its own (`{id}`, `*`) copies every hash of the keyspace, other tenants' too: refused unless set. */
  allowCatchAll?: boolean;
}

/** The mapping's SQL destination, or undefined for DynamoDB (the table, its Lambda and format checked either way). */
function destinationOf(m: Record<string, unknown>, fail: (field: string, why: string) => Error): SqlDestination | undefined {
  const sql = m.destination === undefined || m.destination === "dynamodb" ? undefined : parseSqlDestination(m.destination, m.table, m.columns, fail);
  if (!sql && m.columns !== undefined) throw fail("columns", 'is for a SQL destination ("destination": "postgres" or "mysql")');
  if (sql && (m.lambda !== undefined || m.format !== undefined)) throw fail(m.lambda !== undefined ? "lambda" : "format", "is for DynamoDB destinations");
  if (typeof m.table !== "string" || (!sql && !/^[A-Za-z0-9_.-]{3,255}$/.test(m.table)))
    throw fail("table", "must be a DynamoDB table name (3-255 letters, digits, '_', '.' or '-')");
  if (m.lambda !== undefined && (typeof m.lambda !== "string" || m.lambda === "")) throw fail("lambda", "must be a function name or ARN");
  if (m.format !== undefined && m.format !== "attributes" && m.format !== "envelope") throw fail("format", 'must be "attributes" or "envelope"');
  return sql;
}

export function parseMapping(raw: unknown, where = "mapping", options: MappingOptions = {}): CompiledMapping {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new MappingError(`${where} must be a JSON object`);
  const m = raw as Record<string, unknown>;
  const label = typeof m.name === "string" ? `mapping "${m.name}"` : where;
  const fail = (field: string, why: string) => new MappingError(`${label}: field "${field}" ${why}`);
  const unknown = Object.keys(m).find((k) => !fieldsAllowed.includes(k));
  if (unknown) throw fail(unknown, `is not a mapping field (expected ${fieldsAllowed.join(", ")})`);
  if (typeof m.name !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(m.name)) throw fail("name", "must be 1-64 letters, digits, '_', '.' or '-'");
  if (typeof m.pattern !== "string" || m.pattern === "") throw fail("pattern", "must be a non-empty key pattern such as person:{id} or person*");
  const sql = destinationOf(m, fail);
  if (m.types !== undefined && (!Array.isArray(m.types) || m.types.length === 0 || m.types.some((t) => typeof t !== "string" || !typeNames.includes(t))))
    throw fail("types", `must be a non-empty list of ${typeNames.join(", ")}`);
  if (m.numbers !== undefined && typeof m.numbers !== "boolean") throw fail("numbers", "must be true or false");
  const placeholders = [...m.pattern.matchAll(/\{([^{}]*)\}/g)].map((x) => x[1]);
  if (placeholders.length > 1) throw fail("pattern", `has ${placeholders.length} placeholders; at most one ({name}) names the partition key`);
  if (placeholders.length === 1 && !/^[A-Za-z0-9_]{1,64}$/.test(placeholders[0]))
    throw fail("pattern", `placeholder {${placeholders[0]}} must be a plain name`);
  if (m.pattern.startsWith(internalPrefix)) throw fail("pattern", `must not cover the listener's own keys (${internalPrefix}*)`);
  if (m.partitionKey !== undefined && (typeof m.partitionKey !== "string" || !/^[A-Za-z0-9_.-]{1,255}$/.test(m.partitionKey))) {
    throw fail("partitionKey", "must be an attribute name");
  }
  const placeholder = placeholders[0];
  const [before, after] = placeholder === undefined ? [m.pattern, ""] : m.pattern.split(`{${placeholder}}`);
  // Anyone who can write to Redis can add a mapping: every key is matched against every pattern, so
  // matching must stay linear. Around a placeholder the text is literal; elsewhere * and ? are globs.
  if (m.pattern.length > maxPatternLength) throw fail("pattern", `is ${m.pattern.length} characters long; at most ${maxPatternLength}`);
  if (placeholder !== undefined && /[*?]/.test(before + after))
    throw fail("pattern", `may not use * or ? beside a placeholder (literal text only, as in person:{id})`);
  // The literal text a key must carry: without any, a mapping covers every key in Redis.
  const literal = placeholder === undefined ? m.pattern.replace(/[*?]/g, "") : before + after;
  if (literal === "" && !options.allowCatchAll) {
    throw fail("pattern", `"${m.pattern}" has no literal text of its own, so it would copy every hash in Redis (allowCatchAllMappings enables such a mapping)`);
  }
  const keyAttribute = (m.partitionKey as string | undefined) ?? placeholder ?? "id";
  const taken = [...reservedAttributes, ...(m.format === "envelope" ? ["obj_name", "body"] : [])];
  if (taken.includes(keyAttribute)) {
    throw fail(
      m.partitionKey === undefined ? "pattern" : "partitionKey",
      `names the partition key "${keyAttribute}", an attribute the change feed writes itself (${taken.join(", ")})`,
    );
  }
  const globEscape = (s: string) => s.replace(/[[\]\\]/g, "\\$&");
  return {
    name: m.name,
    pattern: m.pattern,
    table: m.table as string,
    lambda: m.lambda as string | undefined,
    partitionKey: keyAttribute,
    format: (m.format as Mapping["format"] | undefined) ?? "attributes",
    ...(m.types ? { types: m.types as string[] } : {}),
    ...(m.numbers ? { numbers: true } : {}),
    ...(sql ? { sql } : {}),
    placeholder,
    before,
    after,
    scanPattern: placeholder === undefined ? globEscape(m.pattern) : `${globEscape(before)}*${globEscape(after)}`,
  };
}

/** A mapping as its file (and the mappings hash) writes it: every field it was given, none of the compiled ones. */
export const mappingJson = (m: CompiledMapping): string =>
  JSON.stringify({
    name: m.name,
    pattern: m.pattern,
    table: m.table,
    lambda: m.lambda,
    partitionKey: m.partitionKey,
    ...(m.sql
      ? { destination: m.sql.engine, columns: Object.fromEntries(m.sql.columns.map((c) => [c.field, { column: c.column, type: c.type }])) }
      : { format: m.format }),
    types: m.types,
    numbers: m.numbers,
  });

/** A mapping file: `{ "mappings": [...] }` (schema/change-feed-mapping.schema.json). Names must be unique. */
export function parseMappingFile(text: string, options: MappingOptions = {}): CompiledMapping[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MappingError(`mapping file is not valid JSON: ${(error as Error).message}`);
  }
  const list = (parsed as { mappings?: unknown })?.mappings;
  if (!Array.isArray(list)) throw new MappingError('mapping file must be an object with a "mappings" list');
  if (list.length > maxMappings) throw new MappingError(`mapping file has ${list.length} mappings; at most ${maxMappings}`);
  const mappings = list.map((m, i) => parseMapping(m, `mappings[${i}]`, options));
  const names = new Set<string>();
  for (const m of mappings) {
    if (names.has(m.name)) throw new MappingError(`mapping "${m.name}": field "name" is used twice`);
    names.add(m.name);
  }
  return mappings;
}

/** The partition key value a key gets under a mapping, or undefined when the key is not covered. */
export function partitionKeyOf(mapping: CompiledMapping, key: string): string | undefined {
  if (key.startsWith(internalPrefix)) return undefined;
  if (mapping.placeholder === undefined) return globMatches(mapping.before, key) ? key : undefined;
  const { before, after } = mapping;
  if (key.length <= before.length + after.length || !key.startsWith(before) || !key.endsWith(after)) return undefined;
  return key.slice(before.length, key.length - after.length);
}

/**
 * `*` (any run) and `?` (one character) against `text`, without backtracking beyond the last star:
 * O(pattern x text) in the worst case, never exponential (a regular expression of many `.*` is).
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** The Redis key an item came from (used by reconcile to find orphans). */
export function keyOfPartitionKey(mapping: CompiledMapping, value: string): string {
  return mapping.placeholder === undefined ? value : mapping.pattern.replace(`{${mapping.placeholder}}`, value);
}

/** What Redis held for a key when it was read. */
export interface Snapshot {
  key: string;
  version: number;
  /** Redis TYPE: `hash`, `string`, ..., or `none` (gone: deleted, expired, evicted). */
  type: string;
  /** The value as read (absent for `none` and for types that are never read). */
  value?: ReadValue;
}

/** Why a key's type is not one the mapping takes (its item becomes a tombstone), or undefined when it is. */
export function refusedType(mapping: CompiledMapping, snapshot: Snapshot): string | undefined {
  if (snapshot.type === "none") return undefined;
  const strategy = valueTypeOf(snapshot.type);
  if (!strategy) return `key ${snapshot.key} is a ${snapshot.type}, a type the change feed does not carry`;
  if (strategy.refusal) return `key ${snapshot.key} is a ${snapshot.type}: ${strategy.refusal}`;
  if (mapping.types && !mapping.types.includes(snapshot.type))
    return `key ${snapshot.key} is a ${snapshot.type}, not one of mapping ${mapping.name}'s types (${mapping.types.join(", ")})`;
  return undefined;
}

/**
 * The change a snapshot makes under a mapping, or the reason it cannot be carried: gone, or of a type
 * the mapping does not take, its item becomes a tombstone; too large, or a value its type refuses, it
 * is dead-lettered and its item left as it was (never truncated).
 */
export function changeOf(mapping: CompiledMapping, snapshot: Snapshot): Change | string {
  const value = partitionKeyOf(mapping, snapshot.key);
  if (value === undefined) return `key ${snapshot.key} is not covered by mapping ${mapping.name}`;
  const partitionKey = { name: mapping.partitionKey, value };
  const strategy = valueTypeOf(snapshot.type);
  if (!strategy || refusedType(mapping, snapshot)) return { key: snapshot.key, partitionKey, version: snapshot.version };
  const read = snapshot.value;
  if (read && "tooLarge" in read) {
    const unit = strategy.read?.size?.unit ?? "elements";
    return `key ${snapshot.key} is a ${snapshot.type} of ${read.tooLarge} ${unit}, over the limit of ${read.limit} ${unit}: not copied (never truncated)`;
  }
  const attributes = strategy.attributes(read ?? Buffer.alloc(0), mapping);
  if (typeof attributes === "string") return `key ${snapshot.key}: ${attributes}`;
  // The envelope's body is JSON text: a binary value appears in it as {"base64": "..."}.
  const item =
    mapping.format === "envelope" ? { obj_name: snapshot.key, body: JSON.stringify(snapshot.type === "hash" ? attributes : attributes.value) } : attributes;
  return { key: snapshot.key, partitionKey, version: snapshot.version, attributes: item };
}
