// Mappings: which keys the listener follows, and how a hash becomes a DynamoDB item.
import { MappingError } from "./errors.js";
import { reservedAttributes, type Change, type FieldValue } from "./writer.js";

export { MappingError };

export interface Mapping {
  name: string;
  pattern: string;
  table: string;
  lambda?: string;
  partitionKey: string;
  format: "attributes" | "envelope";
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

const fieldsAllowed = ["name", "pattern", "table", "lambda", "partitionKey", "format"];

export interface MappingOptions {
  /** A pattern with no literal text of its own (`{id}`, `*`) copies every hash of the keyspace, other tenants' too: refused unless set. */
  allowCatchAll?: boolean;
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
  if (typeof m.table !== "string" || !/^[A-Za-z0-9_.-]{3,255}$/.test(m.table))
    throw fail("table", "must be a DynamoDB table name (3-255 letters, digits, '_', '.' or '-')");
  if (m.lambda !== undefined && (typeof m.lambda !== "string" || m.lambda === "")) throw fail("lambda", "must be a function name or ARN");
  if (m.format !== undefined && m.format !== "attributes" && m.format !== "envelope") throw fail("format", 'must be "attributes" or "envelope"');
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
    table: m.table,
    lambda: m.lambda as string | undefined,
    partitionKey: keyAttribute,
    format: (m.format as Mapping["format"] | undefined) ?? "attributes",
    placeholder,
    before,
    after,
    scanPattern: placeholder === undefined ? globEscape(m.pattern) : `${globEscape(before)}*${globEscape(after)}`,
  };
}

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
  /** Redis TYPE: `hash`, `none` (gone: deleted, expired, evicted), or another type that cannot be mapped. */
  type: string;
  /** The hash's fields, or why they cannot be carried. */
  fields?: Record<string, FieldValue> | string;
}

/** Text when the bytes are valid UTF-8 (they survive a round trip), else undefined. */
function utf8(bytes: Buffer): string | undefined {
  const text = bytes.toString("utf8");
  return Buffer.byteLength(text) === bytes.length && Buffer.from(text, "utf8").equals(bytes) ? text : undefined;
}

/**
 * A hash read as bytes (`HGETALL` flattened), carried exactly: values that are not UTF-8 become binary;
 * a field name that is not UTF-8 cannot name an attribute, so the hash is refused with the reason.
 */
export function hashFields(flat: Buffer[]): Record<string, FieldValue> | string {
  // No prototype: a field named __proto__ is an ordinary entry here (the writer refuses it by name).
  const fields = Object.create(null) as Record<string, FieldValue>;
  for (let i = 0; i < flat.length; i += 2) {
    const name = utf8(flat[i]);
    if (name === undefined) return `hash field 0x${flat[i].toString("hex").slice(0, 64)} is not valid UTF-8 and cannot name an attribute`;
    fields[name] = utf8(flat[i + 1]) ?? { base64: flat[i + 1].toString("base64") };
  }
  return fields;
}

/** Why a snapshot is noted in the dead-letter stream although its change is delivered: a hash replaced by another type. */
export const replacedByOtherType = (snapshot: Snapshot) =>
  snapshot.type !== "hash" && snapshot.type !== "none" ? `key ${snapshot.key} is a ${snapshot.type}, not a hash` : undefined;

/** The change a snapshot makes under a mapping, or the reason it cannot be mapped. */
export function changeOf(mapping: CompiledMapping, snapshot: Snapshot): Change | string {
  const value = partitionKeyOf(mapping, snapshot.key);
  if (value === undefined) return `key ${snapshot.key} is not covered by mapping ${mapping.name}`;
  const partitionKey = { name: mapping.partitionKey, value };
  // Gone, or overwritten by another type (SET on a mapped key): the hash is deleted, its item a tombstone.
  if (snapshot.type !== "hash") return { key: snapshot.key, partitionKey, version: snapshot.version };
  const fields = snapshot.fields ?? {};
  if (typeof fields === "string") return `key ${snapshot.key}: ${fields}`;
  // The envelope's body is JSON text: a binary value appears in it as {"base64": "..."}.
  const attributes = mapping.format === "envelope" ? { obj_name: snapshot.key, body: JSON.stringify(fields) } : fields;
  return { key: snapshot.key, partitionKey, version: snapshot.version, attributes };
}
