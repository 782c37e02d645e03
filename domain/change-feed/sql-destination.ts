// A mapping's SQL destination (Aurora PostgreSQL or Aurora MySQL): which table, and which hash field
// goes to which column with which type. The key's placeholder is the primary key; every row also
// carries `_v` (the version, compared in the statement) and `_deleted` (a versioned tombstone).
import { MappingError } from "./errors.js";
import type { ItemValue } from "./item-values.js";

export type SqlEngine = "postgres" | "mysql";
export const sqlEngines: readonly SqlEngine[] = ["postgres", "mysql"];

/** Column types a field may be written as; the database converts the text and refuses what does not fit. */
export const columnTypes = ["text", "integer", "numeric", "boolean", "json", "bytes"] as const;
export type ColumnType = (typeof columnTypes)[number];

export interface SqlColumn {
  /** The hash field (or `value`, another type's whole value) it is read from. */
  field: string;
  column: string;
  type: ColumnType;
}

export interface SqlDestination {
  engine: SqlEngine;
  table: string;
  columns: SqlColumn[];
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `columns`: `{ "<field>": "<type>" }` or `{ "<field>": { "column": "<name>", "type": "<type>" } }`. */
export function parseSqlDestination(engine: unknown, table: unknown, columns: unknown, fail: (field: string, why: string) => Error): SqlDestination {
  if (!sqlEngines.includes(engine as SqlEngine)) throw fail("destination", `must be "dynamodb" (the default), ${sqlEngines.map((e) => `"${e}"`).join(" or ")}`);
  if (typeof table !== "string" || !identifier.test(table))
    throw fail("table", "must be a SQL table name (a letter or '_', then letters, digits or '_', at most 63)");
  if (!columns || typeof columns !== "object" || Array.isArray(columns) || Object.keys(columns).length === 0)
    throw fail("columns", 'must map each hash field to a column type, e.g. {"name": "text", "age": "integer"}');
  const parsed = Object.entries(columns as Record<string, unknown>).map(([field, spec]): SqlColumn => {
    const { column, type } = typeof spec === "string" ? { column: field, type: spec } : ((spec ?? {}) as { column?: unknown; type?: unknown });
    if (typeof column !== "string" || !identifier.test(column))
      throw fail("columns", `field "${field}": column ${JSON.stringify(column)} is not a SQL column name`);
    if (!columnTypes.includes(type as ColumnType))
      throw fail("columns", `field "${field}": type ${JSON.stringify(type)} is not one of ${columnTypes.join(", ")}`);
    if (column === "_v" || column === "_deleted") throw fail("columns", `field "${field}": column ${column} is the change feed's own`);
    return { field, column, type: type as ColumnType };
  });
  return { engine: engine as SqlEngine, table, columns: parsed };
}

/** An item value as plain JSON (another type's whole value, for a `json` column). */
export function plainJson(value: ItemValue): unknown {
  if (typeof value === "string") return value;
  if ("base64" in value) return { base64: value.base64 };
  if ("number" in value) return Number(value.number);
  if ("list" in value) return value.list.map(plainJson);
  if ("stringSet" in value) return value.stringSet;
  if ("binarySet" in value) return value.binarySet.map((base64) => ({ base64 }));
  if ("scored" in value) return value.scored.map(({ member, score }) => ({ member: plainJson(member), score: Number(score) }));
  if ("map" in value) return Object.fromEntries(Object.entries(value.map).map(([k, v]) => [k, plainJson(v)]));
  if ("bool" in value) return value.bool;
  return null;
}

/** A column's parameter for a field's value, or the reason it cannot be one (the key is dead-lettered). */
export function parameterOf(column: SqlColumn, value: ItemValue | undefined, engine: SqlEngine): string | Buffer | number | null | { refused: string } {
  if (value === undefined) return null;
  const binary = typeof value === "object" && "base64" in value;
  if (column.type === "bytes")
    return binary ? Buffer.from(value.base64, "base64") : typeof value === "string" ? Buffer.from(value) : { refused: `field "${column.field}" is not bytes` };
  if (column.type === "json") return typeof value === "string" && column.field !== "value" ? value : JSON.stringify(plainJson(value));
  if (typeof value !== "string") {
    return binary
      ? { refused: `field "${column.field}" is not UTF-8 text (column ${column.column} is ${column.type})` }
      : { refused: `field "${column.field}" holds a ${Object.keys(value)[0]}, not text` };
  }
  // MySQL's BOOLEAN is TINYINT(1): the words become its numbers; anything else is for the database to refuse.
  if (column.type === "boolean" && engine === "mysql" && /^(true|false)$/i.test(value)) return /^true$/i.test(value) ? 1 : 0;
  return value;
}

export { MappingError };
