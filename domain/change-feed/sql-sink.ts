// Changes into a SQL table (Aurora PostgreSQL or Aurora MySQL through RDS Proxy; PostgreSQL and
// MariaDB locally): one transaction per delivery, one versioned upsert for all its rows, so an older
// snapshot never replaces a newer one (`_v` is compared in the statement itself). A delete is a
// versioned tombstone (`_deleted`, the mapped columns emptied), so a late older snapshot cannot bring
// the row back. A row the database refuses (a value too long for its column, text in an integer
// column) is dead-lettered with the database's reason while the others land: the batch is then
// written row by row, each under a savepoint.
import { SinkFailed } from "./errors.js";
import type { CompiledMapping } from "./mappings.js";
import type { ChangeSink } from "./sinks.js";
import { parameterOf, type SqlColumn, type SqlEngine } from "./sql-destination.js";
import { newestPerKey, versionAhead, type Change, type WriteResult } from "./writer.js";
import { defaultRetryPolicy, withRetry, type RetryPolicy } from "../runtime/retry.js";

/** One statement's outcome: rows it inserted or changed. */
export interface SqlSession {
  execute(sql: string, params: unknown[]): Promise<number>;
}

/** What differs between the engines: quoting, the upsert's form, the catalogue, and which errors mean what. */
export interface SqlDialect {
  engine: SqlEngine;
  quote(name: string): string;
  /** An upsert of `rows` rows of `columns` (the key first, `_v` and `_deleted` last) that leaves a row whose `_v` is not older. */
  upsert(table: string, columns: string[], rows: number): string;
  /** Rows written, from what the upsert reported for `rows` rows. */
  written(reported: number, rows: number): number;
  /** The table's column names, or undefined when there is no such table. */
  columns(table: string): Promise<string[] | undefined>;
  /** Live rows (not tombstones) of `columns` in the order of the first (the key): reconcile, the rescan and drift read them. */
  rows(table: string, columns: string[], page?: RowPage): Promise<Record<string, unknown>[]>;
  transaction<T>(run: (session: SqlSession) => Promise<T>): Promise<T>;
  /** `row`: this row's value is refused (dead-letter it); `permanent`: no retry fixes it; `retry`: an outage, a lock, a restart. */
  classify(error: unknown): "row" | "permanent" | "retry";
  close(): Promise<void>;
}

/** Which live rows: those whose key is after `after`, at most `limit`; with `key`, that key's row only. */
export interface RowPage {
  after?: unknown;
  limit?: number;
  key?: unknown;
}

/** The SELECT for `rows`, in either engine (`placeholder(n)`: its n-th parameter's marker). */
export function liveRowsQuery(quote: (name: string) => string, table: string, columns: string[], page: RowPage, placeholder: (n: number) => string) {
  const key = quote(columns[0]);
  const conditions = [`NOT ${quote("_deleted")}`];
  const params: unknown[] = [];
  for (const [value, operator] of [
    [page.key, "="],
    [page.after, ">"],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    conditions.push(`${key} ${operator} ${placeholder(params.length)}`);
  }
  const limit = page.limit === undefined ? "" : ` LIMIT ${Math.max(0, Math.floor(page.limit))}`;
  return { sql: `SELECT ${columns.map(quote).join(", ")} FROM ${quote(table)} WHERE ${conditions.join(" AND ")} ORDER BY ${key}${limit}`, params };
}

type Row = { change: Change; params: unknown[] };

export class SqlSink implements ChangeSink {
  constructor(
    readonly dialect: SqlDialect,
    private readonly retry: RetryPolicy = defaultRetryPolicy,
  ) {}

  /** The table, the key's column, every mapped column and the feed's own two exist; else what is missing, named. */
  async check(mapping: CompiledMapping): Promise<string | undefined> {
    const sql = mapping.sql!;
    const present = await this.dialect.columns(sql.table).catch(() => null);
    if (present === null) return undefined; // unreachable now: a retry may tell
    if (present === undefined) return `${sql.engine} table "${sql.table}" does not exist`;
    const wanted = [mapping.partitionKey, ...sql.columns.map((c) => c.column), "_v", "_deleted"];
    const missing = wanted.filter((c) => !present.includes(c));
    return missing.length ? `${sql.engine} table "${sql.table}" has no column ${missing.join(", ")}` : undefined;
  }

  async write(mapping: CompiledMapping, changes: Change[]): Promise<WriteResult> {
    const sql = mapping.sql!;
    const newest = newestPerKey(changes);
    const result: WriteResult = { written: 0, skipped: changes.length - newest.length, retried: 0, rejected: [] };
    const rows: Row[] = [];
    for (const change of newest) {
      const row = rowOf(change, sql.columns, sql.engine);
      if (typeof row === "string") result.rejected.push({ key: change.key, reason: row });
      else rows.push({ change, params: row });
    }
    if (!rows.length) return result;
    const columns = [mapping.partitionKey, ...sql.columns.map((c) => c.column), "_v", "_deleted"];
    const statement = (n: number) => this.dialect.upsert(sql.table, columns, n);
    const attempt = () =>
      this.dialect
        .transaction((session) =>
          session.execute(
            statement(rows.length),
            rows.flatMap((r) => r.params),
          ),
        )
        .then((reported) => ({ written: this.dialect.written(reported, rows.length), rejected: [] as WriteResult["rejected"] }))
        .catch((error) => (this.dialect.classify(error) === "row" ? this.rowByRow(rows, statement(1)) : Promise.reject(error)));
    const outcome = await withRetry(
      async (n) => {
        if (n > 0) result.retried++;
        return attempt();
      },
      (error) => this.dialect.classify(error) === "retry",
      this.retry,
    ).catch((error: Error) => {
      throw new SinkFailed(`writing to ${sql.engine} table ${sql.table}: ${error.message}`, {
        cause: error,
        retryable: this.dialect.classify(error) === "retry",
      });
    });
    result.written += outcome.written;
    result.skipped += rows.length - outcome.written - outcome.rejected.length;
    result.rejected.push(...outcome.rejected);
    return result;
  }

  /** The batch again, each row under a savepoint: the refused ones are dead-lettered with the database's reason, the rest commit together. */
  private rowByRow(rows: Row[], statement: string): Promise<{ written: number; rejected: WriteResult["rejected"] }> {
    return this.dialect.transaction(async (session) => {
      let written = 0;
      const rejected: WriteResult["rejected"] = [];
      for (const row of rows) {
        await session.execute("SAVEPOINT feed_row", []);
        try {
          written += this.dialect.written(await session.execute(statement, row.params), 1);
          await session.execute("RELEASE SAVEPOINT feed_row", []);
        } catch (error) {
          if (this.dialect.classify(error) !== "row") throw error;
          await session.execute("ROLLBACK TO SAVEPOINT feed_row", []);
          rejected.push({ key: row.change.key, reason: `the database refused the row: ${(error as Error).message}` });
        }
      }
      return { written, rejected };
    });
  }
}

/** A change's parameters in column order (key, mapped columns, `_v`, `_deleted`), or why it cannot be written. */
function rowOf(change: Change, columns: SqlColumn[], engine: SqlEngine): unknown[] | string {
  const ahead = versionAhead(change);
  if (ahead) return ahead;
  const deleted = !change.attributes;
  const values: unknown[] = [];
  for (const column of columns) {
    const value = deleted ? null : parameterOf(column, change.attributes![column.field], engine);
    if (value !== null && typeof value === "object" && "refused" in value) return value.refused;
    values.push(value);
  }
  return [change.partitionKey.value, ...values, String(change.version), deleted];
}

/** A column's value as one comparable text, whichever way the driver returns it (numbers as numbers, JSON by content, bytes as base64). */
function comparable(value: unknown, type: SqlColumn["type"]): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString("base64")}`;
  if (type === "json") return canonicalJson(typeof value === "string" ? (JSON.parse(value) as unknown) : value);
  if (type === "integer" || type === "numeric") return String(Number(value));
  if (type === "boolean") return String(/^(true|t|1|yes|on)$/i.test(String(value)));
  return type === "bytes" ? `bytes:${Buffer.from(String(value)).toString("base64")}` : String(value);
}

const canonicalJson = (value: unknown): string =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? `{${Object.keys(value)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
        .join(",")}}`
    : Array.isArray(value)
      ? `[${value.map(canonicalJson).join(",")}]`
      : JSON.stringify(value);

/** Whether a live row holds what `change` would write (reconcile's comparison; the key and the feed's own columns aside). */
export function sameRow(mapping: CompiledMapping, change: Change, row: Record<string, unknown>): boolean {
  const sql = mapping.sql!;
  const expected = rowOf(change, sql.columns, sql.engine);
  if (typeof expected === "string") return false;
  return sql.columns.every((column, i) => comparable(expected[i + 1], column.type) === comparable(row[column.column], column.type));
}
