// A SQL table in memory, read as a dialect reads it (live rows in key order, paged): for the readers,
// reconcile, the rescan and drift, which only read.
import type { RowPage, SqlDialect } from "../../../../domain/change-feed/sql-sink.js";

export type TableRow = Record<string, unknown> & { id: string; _deleted?: boolean };

export function sqlTable(rows: TableRow[]) {
  const queries: RowPage[] = [];
  const dialect: SqlDialect = {
    engine: "postgres",
    quote: (n) => `"${n}"`,
    upsert: () => "",
    written: (reported) => reported,
    columns: async () => Object.keys(rows[0] ?? {}),
    rows: async (_table, columns, page = {}) => {
      queries.push(page);
      const live = rows
        .filter((r) => !r._deleted && (page.key === undefined || r.id === page.key) && (page.after === undefined || r.id > String(page.after)))
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, page.limit ?? Infinity);
      return live.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
    },
    transaction: () => Promise.reject(new Error("read only")),
    classify: () => "permanent",
    close: async () => {},
  };
  return { dialect, queries };
}
