// Compares Redis and a mapping's destination (a DynamoDB or SQL table): missing, stale and orphaned items; with repair, fixes them.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Cluster, Redis } from "ioredis";
import type { Change } from "./writer.js";
import { scanPrimaries } from "../redis/clients.js";
import { changeOf, partitionKeyOf, refusedType, type CompiledMapping, type Snapshot } from "./mappings.js";
import { Snapshots } from "./capture/snapshots.js";
import { readerOf, sharingEntries, type DestinationReader, type SqlDialects } from "./destination-reader.js";
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

/** What the destination holds, read whole, by Redis key. */
async function destinationState(reader: DestinationReader, progress: ReconcileProgress): Promise<Map<string, unknown>> {
  const entries = new Map<string, unknown>();
  for await (const page of reader.pages()) {
    progress.read(page.size);
    for (const [key, entry] of page) entries.set(key, entry);
  }
  return entries;
}

/** Item key value -> the live Redis keys of the other mappings writing the same table and key attribute. */
async function neighbourClaims(client: Redis | Cluster, mapping: CompiledMapping, mappings: CompiledMapping[]): Promise<Map<string, string[]>> {
  const claims = new Map<string, string[]>();
  for (const other of sharingEntries(mapping, mappings)) {
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
  const reader = readerOf(mapping, { dynamo, sql: options.sql });
  const [redis, table, claims] = await Promise.all([
    redisState(client, mapping, options.progress, options.maxElements),
    destinationState(reader, options.progress ?? noProgress),
    neighbourClaims(client, mapping, options.mappings ?? []),
  ]);
  const report: ReconcileReport = {
    mapping: mapping.name,
    redisKeys: redis.size,
    items: table.size,
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
    const item = table.get(key);
    const change = changeOf(mapping, snapshot);
    if (typeof change === "string") report.refused.push(change);
    else if (rivals) report.collisions.push(`${[key, ...rivals].join(" = ")} -> ${mapping.partitionKey} ${value}`);
    else if (!item) report.missing.push(key);
    else if (!reader.same(snapshot, item)) report.stale.push(key);
  }
  for (const key of table.keys()) if (!redis.has(key) && !claims.has(partitionKeyOf(mapping, key)!)) report.orphaned.push(key);
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
