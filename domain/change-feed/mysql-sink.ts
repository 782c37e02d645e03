// MySQL (Aurora MySQL; MariaDB locally) for the SQL sink: `INSERT ... ON DUPLICATE KEY UPDATE` where
// each column takes the new value only if the new `_v` is newer (`_v` itself is assigned last: MySQL
// assigns left to right, and the others compare against the stored one). Strict mode refuses a value
// that does not fit instead of truncating it; a held lock gives up after 5 s.
import { createPool, type Pool, type PoolConnection, type PoolOptions, type ResultSetHeader } from "mysql2/promise";
import { liveRowsQuery, type SqlDialect } from "./sql-sink.js";

/** Errors about the row's values (too long, not a number, out of range, NULL where none may be, invalid JSON) and those no retry fixes. */
const rowErrors = new Set([1406, 1366, 1264, 1292, 1048, 1265, 3140, 4025]);
const permanentErrors = new Set([1146, 1054, 1142, 1044, 1045, 1049]);

/** `connection`: a URL, or a pool's settings (in AWS: the proxy, TLS, and an IAM token sent in clear over it). */
export function mysqlDialect(connection: string | PoolOptions): SqlDialect {
  // Without FOUND_ROWS, a row the upsert left as it was (an older `_v`) counts 0, not 1.
  const pool: Pool = createPool({
    ...(typeof connection === "string" ? { uri: connection } : connection),
    connectionLimit: 4,
    supportBigNumbers: true,
    bigNumberStrings: true,
    flags: ["-FOUND_ROWS"],
  });
  pool.on("connection", (connection) => {
    void connection.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES', innodb_lock_wait_timeout = 5");
  });
  const quote = (name: string) => `\`${name.replace(/`/g, "``")}\``;
  return {
    engine: "mysql",
    quote,
    upsert(table, columns, rows) {
      const row = `(${columns.map(() => "?").join(", ")})`;
      const newer = "VALUES(`_v`) > `_v`";
      const updates = columns
        .slice(1)
        .filter((c) => c !== "_v")
        .map((c) => `${quote(c)} = IF(${newer}, VALUES(${quote(c)}), ${quote(c)})`);
      return `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES ${Array(rows).fill(row).join(", ")} ON DUPLICATE KEY UPDATE ${[...updates, `\`_v\` = IF(${newer}, VALUES(\`_v\`), \`_v\`)`].join(", ")}`;
    },
    // 1 per row inserted, 2 per row updated, 0 per row left as it was: exact for one row; for a batch, at most its rows.
    written: (reported, rows) => (rows === 1 ? Math.min(reported, 1) : Math.min(reported, rows)),
    async rows(table, columns, page = {}) {
      const query = liveRowsQuery(quote, table, columns, page, () => "?");
      return (await pool.query(query.sql, query.params))[0] as Record<string, unknown>[];
    },
    async columns(table) {
      const [rows] = await pool.query("SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?", [table]);
      const names = (rows as { name: string }[]).map((r) => r.name);
      return names.length ? names : undefined;
    },
    async transaction(run) {
      const connection: PoolConnection = await pool.getConnection();
      try {
        await connection.beginTransaction();
        const result = await run({ execute: async (sql, params) => ((await connection.query(sql, params))[0] as ResultSetHeader).affectedRows ?? 0 });
        await connection.commit();
        return result;
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
    classify(error) {
      const errno = Number((error as { errno?: number }).errno);
      if (rowErrors.has(errno)) return "row";
      return permanentErrors.has(errno) ? "permanent" : "retry";
    },
    close: () => pool.end(),
  };
}
