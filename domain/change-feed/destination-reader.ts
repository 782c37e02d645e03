// What a mapping's destination holds, read the same way whatever it is: reconcile reads it whole, the
// listener's rescan looks in it for entries whose Redis key is gone, and the drift sampler samples it.
// One reader per kind of destination, beside its sink (dynamo-reader.ts, sql-reader.ts).
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { CompiledMapping, Snapshot } from "./mappings.js";
import type { SqlDialect } from "./sql-sink.js";
import type { SqlEngine } from "./sql-destination.js";
import { DynamoReader } from "./dynamo-reader.js";
import { SqlReader } from "./sql-reader.js";

export interface DestinationReader {
  /** Every live entry (tombstones left out), a page at a time, by the Redis key it was copied from. */
  pages(): AsyncIterable<Map<string, unknown>>;
  /** Up to `wanted` live entries' Redis keys from a random place in the destination (`near`: keys to start beside, where that is how it picks one). */
  sample(wanted: number, near: readonly string[]): Promise<string[]>;
  /** The live entry written for `key`, or undefined. */
  entry(key: string): Promise<unknown>;
  /** Whether `entry` holds what `snapshot` would be written as. */
  same(snapshot: Snapshot, entry: unknown): boolean;
}

/** The SQL destinations' connections, by engine. */
export type SqlDialects = Partial<Record<SqlEngine, SqlDialect>>;

/** The clients the readers use: a mapping whose destination has none here cannot be read (reconcile says so; the rescan retries). */
export interface Destinations {
  dynamo?: DynamoDBClient;
  sql?: SqlDialects;
}

/** The other mappings that write the same entries as `mapping` (same destination, same key column): an entry is theirs as much as its. */
export function sharingEntries(mapping: CompiledMapping, mappings: readonly CompiledMapping[]): CompiledMapping[] {
  const destination = (m: CompiledMapping) => (m.sql ? `${m.sql.engine}:${m.sql.table}` : `dynamodb:${m.table}`);
  return mappings.filter((m) => m.name !== mapping.name && destination(m) === destination(mapping) && m.partitionKey === mapping.partitionKey);
}

export function readerOf(mapping: CompiledMapping, destinations: Destinations): DestinationReader {
  if (mapping.sql) {
    const dialect = destinations.sql?.[mapping.sql.engine];
    if (!dialect) throw new Error(`mapping ${mapping.name} writes to ${mapping.sql.engine}, but no ${mapping.sql.engine} connection was given`);
    return new SqlReader(mapping, dialect);
  }
  if (!destinations.dynamo) throw new Error(`mapping ${mapping.name} writes to DynamoDB, but no DynamoDB client was given`);
  return new DynamoReader(mapping, destinations.dynamo);
}
