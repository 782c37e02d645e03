// PostgreSQL (Aurora PostgreSQL) for the SQL sink: `INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE
// the stored _v < the new one`, on a small pool whose statements give up on a held lock after 5 s (a
// retry comes later, the delivery stays in the journal).
import pg from "pg";
import { liveRowsQuery, type SqlDialect, type SqlSession } from "./sql-sink.js";

/** SQLSTATEs about the row's values (class 22: data; 23502: a NOT NULL column left empty) and those no retry fixes. */
const rowErrors = /^(22|23502)/;
const permanentErrors = /^(42P01|42703|42501|3F000|3D000|28)/;

/** `connection`: a URL, or a pool's settings (in AWS: the proxy, TLS, and an IAM token as the password, made per connection). */
export function postgresDialect(connection: string | pg.PoolConfig): SqlDialect {
  const pool = new pg.Pool({
    ...(typeof connection === "string" ? { connectionString: connection } : connection),
    max: 4,
    lock_timeout: 5_000,
    statement_timeout: 30_000,
  });
  // An idle connection the server dropped (a restart) errors on the pool, not on a query: the next query opens another.
  pool.on("error", () => {});
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return {
    engine: "postgres",
    quote,
    upsert(table, columns, rows) {
      const t = quote(table);
      const placeholders = Array.from({ length: rows }, (_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(", ")})`);
      const updates = columns.slice(1).map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`);
      return `INSERT INTO ${t} (${columns.map(quote).join(", ")}) VALUES ${placeholders.join(", ")} ON CONFLICT (${quote(columns[0])}) DO UPDATE SET ${updates.join(", ")} WHERE ${t}."_v" < EXCLUDED."_v"`;
    },
    written: (reported) => reported,
    async rows(table, columns, page = {}) {
      const query = liveRowsQuery(quote, table, columns, page, (n) => `$${n}`);
      return (await pool.query<Record<string, unknown>>(query.sql, query.params)).rows;
    },
    async columns(table) {
      const { rows } = await pool.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
        [table],
      );
      return rows.length ? rows.map((r) => r.column_name) : undefined;
    },
    transaction: (run) => inTransaction(pool, run),
    classify(error) {
      const code = String((error as { code?: string }).code ?? "");
      if (rowErrors.test(code)) return "row";
      return permanentErrors.test(code) ? "permanent" : "retry";
    },
    close: () => pool.end(),
  };
}

/** Runs `run` in one transaction on a connection of its own. */
async function inTransaction<T>(pool: pg.Pool, run: (session: SqlSession) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection the server drops while this transaction holds it (a restart) errors here, not on the pool: the query that was waiting fails instead.
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on("error", onError);
  const session: SqlSession = { execute: async (sql, params) => (await client.query(sql, params)).rowCount ?? 0 };
  try {
    await client.query("BEGIN");
    const result = await run(session);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    broken ??= await client.query("ROLLBACK").then(
      () => undefined,
      (rollback: Error) => rollback,
    );
    throw error;
  } finally {
    client.off("error", onError);
    // A broken connection is closed, not returned to the pool.
    client.release(broken);
  }
}
