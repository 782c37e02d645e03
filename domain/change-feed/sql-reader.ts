// A SQL table read as a mapping's destination: live rows (not tombstones) by the Redis key they were
// copied from, in pages ordered by the key column, compared column by column with what the sink writes.
import { changeOf, keyOfPartitionKey, partitionKeyOf, type CompiledMapping, type Snapshot } from "./mappings.js";
import { sameRow, type SqlDialect } from "./sql-sink.js";
import type { DestinationReader } from "./destination-reader.js";

type Row = Record<string, unknown>;

/** Rows read per query when the whole table is read. */
const pageRows = 1_000;

export class SqlReader implements DestinationReader {
  private readonly columns: string[];

  constructor(
    private readonly mapping: CompiledMapping,
    private readonly dialect: SqlDialect,
  ) {
    this.columns = [mapping.partitionKey, ...mapping.sql!.columns.map((c) => c.column)];
  }

  async *pages(): AsyncIterable<Map<string, unknown>> {
    let after: unknown;
    for (;;) {
      const rows = await this.dialect.rows(this.mapping.sql!.table, this.columns, { after, limit: pageRows });
      yield this.byKey(rows);
      if (rows.length < pageRows) return;
      after = rows[rows.length - 1][this.mapping.partitionKey];
    }
  }

  /** From beside a random one of `near` (the keys sampled from Redis) onwards, wrapping to the first row: an index walk, not a table scan. */
  async sample(wanted: number, near: readonly string[]): Promise<string[]> {
    const start = near.length ? partitionKeyOf(this.mapping, near[Math.floor(Math.random() * near.length)]) : undefined;
    const table = this.mapping.sql!.table;
    const rows = await this.dialect.rows(table, this.columns, { after: start, limit: wanted });
    if (rows.length < wanted && start !== undefined) rows.push(...(await this.dialect.rows(table, this.columns, { limit: wanted - rows.length })));
    return [...this.byKey(rows).keys()];
  }

  async entry(key: string): Promise<unknown> {
    const [row] = await this.dialect.rows(this.mapping.sql!.table, this.columns, { key: partitionKeyOf(this.mapping, key) });
    return row;
  }

  same(snapshot: Snapshot, entry: unknown): boolean {
    const change = changeOf(this.mapping, snapshot);
    return typeof change !== "string" && sameRow(this.mapping, change, entry as Row);
  }

  private byKey(rows: Row[]): Map<string, Row> {
    return new Map(rows.map((row) => [keyOfPartitionKey(this.mapping, String(row[this.mapping.partitionKey])), row]));
  }
}
