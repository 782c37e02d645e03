// Compares Redis and DynamoDB for a mapping: missing, stale and orphaned items; with repair, fixes them.
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Cluster, Redis } from "ioredis";
import { deletedAttribute, reservedAttributes, type Change } from "./writer.js";
import { scanPrimaries } from "../redis/clients.js";
import { changeOf, keyOfPartitionKey, partitionKeyOf, refusedType, type CompiledMapping, type Snapshot } from "./mappings.js";
import { attributeOf, sameAttribute, type ItemValue } from "./item-values.js";
import { Snapshots } from "./capture/snapshots.js";
import { sameRow, type SqlDialect } from "./sql-sink.js";
import type { SqlEngine } from "./sql-destination.js";
import type { ChangeSink } from "./sinks.js";

export interface ReconcileReport {
  mapping: string;
  redisKeys: number;
  items: number;
  /** In Redis, not (live) in the table. */
  missing: string[];
  /** In both, with different attributes. */
  stale: string[];
  /** Live in the table, gone from Redis (and written by no other mapping that shares the table and key). */
  orphaned: string[];
  /** One item claimed by keys of this and another mapping on the same table and key (`person:1 = user:1 -> id 1`): never converges, never repaired. */
  collisions: string[];
  /** In Redis, but never copied (too large, a value its type refuses), with the reason: dead-lettered by the listener, not missing. */
  refused: string[];
  repaired: number;
}

/** How far a reconcile has come: keys SCAN returned and table items read, so far. */
export interface ReconcileProgress {
  scanned(keys: number): void;
  read(items: number): void;
}

const noProgress: ReconcileProgress = { scanned: () => {}, read: () => {} };

/** Every covered key of a type the mapping carries, read as the listener reads it (the same snapshot script). */
async function redisState(client: Redis | Cluster, mapping: CompiledMapping, progress = noProgress, maxElements?: number): Promise<Map<string, Snapshot>> {
  const state = new Map<string, Snapshot>();
  for await (const { node, keys } of scanPrimaries(client, mapping.scanPattern)) {
    progress.scanned(keys.length);
    const covered = keys.filter((k) => partitionKeyOf(mapping, k) !== undefined);
    for (const snapshot of await new Snapshots(node, maxElements).take(covered)) {
      if (snapshot.type !== "none" && !refusedType(mapping, snapshot)) state.set(snapshot.key, snapshot);
    }
  }
  return state;
}

/** What the destination holds, by Redis key, and whether an entry holds what a snapshot would write. */
interface DestinationState {
  entries: Map<string, unknown>;
  same(snapshot: Snapshot, entry: unknown): boolean;
}

/** The mapping's destination read whole: a DynamoDB table's live items, or a SQL table's live rows. */
async function destinationState(dynamo: DynamoDBClient, mapping: CompiledMapping, progress: ReconcileProgress, sql: SqlDialects): Promise<DestinationState> {
  if (!mapping.sql) {
    const items = await tableState(dynamo, mapping, progress);
    return { entries: items, same: (snapshot, item) => sameAttributes(expectedAttributes(mapping, snapshot), item as Record<string, AttributeValue>, mapping) };
  }
  const dialect = sql[mapping.sql.engine];
  if (!dialect) throw new Error(`mapping ${mapping.name} writes to ${mapping.sql.engine}, but no ${mapping.sql.engine} connection was given`);
  const rows = await dialect.rows(mapping.sql.table, [mapping.partitionKey, ...mapping.sql.columns.map((c) => c.column)]);
  progress.read(rows.length);
  const entries = new Map(rows.map((row) => [keyOfPartitionKey(mapping, String(row[mapping.partitionKey])), row]));
  return {
    entries,
    same: (snapshot, row) => {
      const change = changeOf(mapping, snapshot);
      return typeof change !== "string" && sameRow(mapping, change, row as Record<string, unknown>);
    },
  };
}

/** The SQL destinations reconcile reads, by engine. */
export type SqlDialects = Partial<Record<SqlEngine, SqlDialect>>;

/** Where a mapping writes: two mappings share items only if this is the same. */
const destinationOf = (m: CompiledMapping) => (m.sql ? `${m.sql.engine}:${m.sql.table}` : `dynamodb:${m.table}`);

async function tableState(dynamo: DynamoDBClient, mapping: CompiledMapping, progress: ReconcileProgress): Promise<Map<string, Record<string, AttributeValue>>> {
  const items = new Map<string, Record<string, AttributeValue>>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: mapping.table, ExclusiveStartKey: start }));
    progress.read(page.Items?.length ?? 0);
    for (const item of page.Items ?? []) {
      if (item[deletedAttribute]?.BOOL) continue;
      items.set(keyOfPartitionKey(mapping, item[mapping.partitionKey]?.S ?? ""), item);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The attributes an item should carry for what a key holds, as the writer would write them. */
export function expectedAttributes(mapping: CompiledMapping, snapshot: Snapshot): Record<string, ItemValue> {
  const change = changeOf(mapping, snapshot);
  return typeof change === "string" ? {} : (change.attributes ?? {});
}

export function sameAttributes(expected: Record<string, ItemValue>, item: Record<string, AttributeValue>, mapping: CompiledMapping): boolean {
  const actual = Object.entries(item).filter(([name]) => name !== mapping.partitionKey && !reservedAttributes.includes(name));
  return (
    actual.length === Object.keys(expected).length &&
    actual.every(([name, value]) => Object.hasOwn(expected, name) && sameAttribute(attributeOf(expected[name]), value))
  );
}

/** Item key value -> the live Redis keys of the other mappings writing the same table and key attribute. */
async function neighbourClaims(client: Redis | Cluster, mapping: CompiledMapping, mappings: CompiledMapping[]): Promise<Map<string, string[]>> {
  const claims = new Map<string, string[]>();
  const sharing = mappings.filter((m) => m.name !== mapping.name && destinationOf(m) === destinationOf(mapping) && m.partitionKey === mapping.partitionKey);
  for (const other of sharing) {
    for (const key of (await redisState(client, other)).keys()) {
      const value = partitionKeyOf(other, key)!;
      claims.set(value, [...(claims.get(value) ?? []), key]);
    }
  }
  return claims;
}

/**
 * `mappings`: every mapping (the hash's and the file's). Items of the same table written by another
 * mapping are theirs, not orphans, and one item claimed by both is reported as a collision.
 */
export async function reconcile(
  client: Redis | Cluster,
  dynamo: DynamoDBClient,
  mapping: CompiledMapping,
  options: {
    repair?: { sink: ChangeSink; version: () => Promise<number> };
    mappings?: CompiledMapping[];
    progress?: ReconcileProgress;
    /** The listener's MAX_COLLECTION_ELEMENTS: a larger collection is refused here as there. */
    maxElements?: number;
    /** The SQL destinations' connections, for SQL mappings. */
    sql?: SqlDialects;
  } = {},
): Promise<ReconcileReport> {
  const [redis, table, claims] = await Promise.all([
    redisState(client, mapping, options.progress, options.maxElements),
    destinationState(dynamo, mapping, options.progress ?? noProgress, options.sql ?? {}),
    neighbourClaims(client, mapping, options.mappings ?? []),
  ]);
  const report: ReconcileReport = {
    mapping: mapping.name,
    redisKeys: redis.size,
    items: table.entries.size,
    missing: [],
    stale: [],
    orphaned: [],
    collisions: [],
    refused: [],
    repaired: 0,
  };
  for (const [key, snapshot] of redis) {
    const value = partitionKeyOf(mapping, key)!;
    const rivals = claims.get(value);
    const item = table.entries.get(key);
    const change = changeOf(mapping, snapshot);
    if (typeof change === "string") report.refused.push(change);
    else if (rivals) report.collisions.push(`${[key, ...rivals].join(" = ")} -> ${mapping.partitionKey} ${value}`);
    else if (!item) report.missing.push(key);
    else if (!table.same(snapshot, item)) report.stale.push(key);
  }
  for (const key of table.entries.keys()) if (!redis.has(key) && !claims.has(partitionKeyOf(mapping, key)!)) report.orphaned.push(key);
  for (const list of [report.missing, report.stale, report.orphaned, report.collisions, report.refused]) list.sort();

  if (options.repair) report.repaired = await repair(mapping, report, redis, options.repair);
  return report;
}

/**
 * Writes what Redis holds for every key that differs. Repairs carry the server's current time as their
 * version, so they win over what is there now and lose to any change the listener delivers after it.
 */
async function repair(
  mapping: CompiledMapping,
  report: ReconcileReport,
  redis: Map<string, Snapshot>,
  how: { sink: ChangeSink; version: () => Promise<number> },
) {
  const version = await how.version();
  const changes: Change[] = [];
  for (const key of [...report.missing, ...report.stale, ...report.orphaned]) {
    const held = redis.get(key);
    const change = changeOf(mapping, held ? { ...held, version } : { key, version, type: "none" });
    if (typeof change !== "string") changes.push(change);
  }
  if (!changes.length) return 0;
  // Overwrite: an item whose content differs is repaired whatever `_v` it carries (a forged one included).
  return (await how.sink.write(mapping, changes, { overwrite: true })).written;
}
