// Compares Redis and DynamoDB for a mapping: missing, stale and orphaned items; with repair, fixes them.
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Command, type Cluster, type Redis } from "ioredis";
import { attributeOf, deletedAttribute, reservedAttributes, type Change, type FieldValue } from "./writer.js";
import { scanPrimaries } from "../redis/clients.js";
import { changeOf, hashFields, keyOfPartitionKey, partitionKeyOf, type CompiledMapping } from "./mappings.js";
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
  repaired: number;
}

type HashState = Record<string, FieldValue> | string;

/** How far a reconcile has come: keys SCAN returned and table items read, so far. */
export interface ReconcileProgress {
  scanned(keys: number): void;
  read(items: number): void;
}

const noProgress: ReconcileProgress = { scanned: () => {}, read: () => {} };

/** Every covered hash as the listener reads it: bytes, carried exactly (or the reason it cannot be). */
async function redisState(client: Redis | Cluster, mapping: CompiledMapping, progress = noProgress): Promise<Map<string, HashState>> {
  const state = new Map<string, HashState>();
  for await (const { node, keys } of scanPrimaries(client, mapping.scanPattern, "hash")) {
    progress.scanned(keys.length);
    const covered = keys.filter((k) => partitionKeyOf(mapping, k) !== undefined);
    // Replies as bytes. (Not callBuffer: with auto-pipelining ioredis 5 loses its command name.)
    const hashes = (await Promise.all(covered.map((k) => node.sendCommand(new Command("HGETALL", [k], { replyEncoding: null }))))) as Buffer[][];
    covered.forEach((k, i) => hashes[i].length && state.set(k, hashFields(hashes[i])));
  }
  return state;
}

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

/** The attributes an item should carry for a hash, as the writer would write them. */
export function expectedAttributes(mapping: CompiledMapping, key: string, fields: HashState): Record<string, FieldValue> {
  const change = changeOf(mapping, { key, version: 0, type: "hash", fields });
  return typeof change === "string" ? {} : (change.attributes ?? {});
}

const sameValue = (a: AttributeValue, b: AttributeValue) =>
  a.S !== undefined ? a.S === b.S : a.B !== undefined && b.B !== undefined && Buffer.from(a.B).equals(Buffer.from(b.B));

export function sameAttributes(expected: Record<string, FieldValue>, item: Record<string, AttributeValue>, mapping: CompiledMapping): boolean {
  const actual = Object.entries(item).filter(([name]) => name !== mapping.partitionKey && !reservedAttributes.includes(name));
  return (
    actual.length === Object.keys(expected).length &&
    actual.every(([name, value]) => Object.hasOwn(expected, name) && sameValue(attributeOf(expected[name]), value))
  );
}

/** Item key value -> the live Redis keys of the other mappings writing the same table and key attribute. */
async function neighbourClaims(client: Redis | Cluster, mapping: CompiledMapping, mappings: CompiledMapping[]): Promise<Map<string, string[]>> {
  const claims = new Map<string, string[]>();
  const sharing = mappings.filter((m) => m.name !== mapping.name && m.table === mapping.table && m.partitionKey === mapping.partitionKey);
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
  options: { repair?: { sink: ChangeSink; version: () => Promise<number> }; mappings?: CompiledMapping[]; progress?: ReconcileProgress } = {},
): Promise<ReconcileReport> {
  const [redis, table, claims] = await Promise.all([
    redisState(client, mapping, options.progress),
    tableState(dynamo, mapping, options.progress ?? noProgress),
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
    repaired: 0,
  };
  for (const [key, fields] of redis) {
    const value = partitionKeyOf(mapping, key)!;
    const rivals = claims.get(value);
    const item = table.get(key);
    if (rivals) report.collisions.push(`${[key, ...rivals].join(" = ")} -> ${mapping.partitionKey} ${value}`);
    else if (!item) report.missing.push(key);
    else if (!sameAttributes(expectedAttributes(mapping, key, fields), item, mapping)) report.stale.push(key);
  }
  for (const key of table.keys()) if (!redis.has(key) && !claims.has(partitionKeyOf(mapping, key)!)) report.orphaned.push(key);
  for (const list of [report.missing, report.stale, report.orphaned, report.collisions]) list.sort();

  if (options.repair) {
    // Repairs carry the server's current time as their version, so they win over what is there now
    // and lose to any change the listener delivers after this moment.
    const version = await options.repair.version();
    const changes: Change[] = [];
    for (const key of [...report.missing, ...report.stale, ...report.orphaned]) {
      const fields = redis.get(key);
      const change = changeOf(mapping, { key, version, type: fields ? "hash" : "none", fields });
      if (typeof change !== "string") changes.push(change);
    }
    if (changes.length) {
      // Overwrite: an item whose content differs is repaired whatever `_v` it carries (a forged one included).
      const result = await options.repair.sink.write(mapping, changes, { overwrite: true });
      report.repaired = result.written;
    }
  }
  return report;
}
