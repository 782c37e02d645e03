// A seeded random workload over mapped (`person:*`) and unmapped (`other:*`) keys, with every kind of
// change a hash can see, and an item-by-item comparison of Redis and DynamoDB afterwards.
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Command, type Cluster, type Redis } from "ioredis";
import { scanPrimaries } from "../../domain/redis/clients.js";
import { attributeOf } from "../../domain/change-feed/item-values.js";
import { hashFields } from "../../domain/change-feed/types/hash.js";
import { sleep } from "./eventually.js";
import { redisValue, standsFor, valueTypes } from "./typed-values.js";

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Operation = (redis: Redis, next: () => number) => Promise<unknown>;

const pick = <T>(next: () => number, list: readonly T[]) => list[Math.floor(next() * list.length)];

/**
 * Operations of the fault-injection issues; `extra` adds HMSET, HSETNX, SET on a mapped key, MOVE, and
 * every other type on mapped keys (lists, sets, sorted sets, strings, hash fields that expire), so keys
 * change type under the feed (a list overwritten by a string, a string by a hash after a DEL).
 */
export function operations(keys: number, extra = false): [string, Operation][] {
  const person = (next: () => number) => `person:${Math.floor(next() * keys)}`;
  const other = (next: () => number) => `other:${Math.floor(next() * keys)}`;
  const field = (next: () => number) => pick(next, ["name", "city", "n", "note"]);
  const base: [string, Operation][] = [
    ["HSET", (r, n) => r.hset(person(n), field(n), String(Math.floor(n() * 1e6)), field(n), "v")],
    ["HINCRBY", (r, n) => r.hincrby(person(n), "count", 1 + Math.floor(n() * 5))],
    ["HDEL (to empty)", (r, n) => r.hdel(person(n), "name", "city", "n", "note", "count")],
    ["DEL", (r, n) => r.del(person(n))],
    ["UNLINK", (r, n) => r.unlink(person(n))],
    ["PEXPIRE to expiry", (r, n) => r.pexpire(person(n), 1 + Math.floor(n() * 50))],
    ["RENAME mapped -> unmapped", (r, n) => r.rename(person(n), other(n)).catch(() => undefined)],
    ["RENAME unmapped -> mapped", (r, n) => r.rename(other(n), person(n)).catch(() => undefined)],
    ["RENAMENX", (r, n) => r.renamenx(other(n), person(n)).catch(() => undefined)],
    ["HSET unmapped", (r, n) => r.hset(other(n), field(n), "o")],
    ["COPY", (r, n) => r.copy(person(n), `person:copy-${Math.floor(n() * 20)}`, "REPLACE").catch(() => undefined)],
    ["MULTI/EXEC", (r, n) => r.multi().hset(person(n), "tx", "1").hdel(person(n), "tx").hset(person(n), "tx", "2").exec()],
    ["Lua", (r, n) => r.eval("redis.call('HSET', KEYS[1], 'lua', ARGV[1]) return redis.call('HDEL', KEYS[2], 'name')", 2, person(n), person(n), String(n()))],
  ];
  if (!extra) return base;
  return [
    ...base,
    ["HMSET", (r, n) => r.hmset(person(n), field(n), "m", field(n), "m2")],
    ["HSETNX", (r, n) => r.hsetnx(person(n), field(n), "nx")],
    ["SET on a mapped key", (r, n) => r.set(person(n), "a string now")],
    ["APPEND / INCRBY", (r, n) => (n() < 0.5 ? r.append(person(n), "+") : r.incrby(person(n), 1))],
    ["RPUSH", (r, n) => r.rpush(person(n), String(Math.floor(n() * 100)), Buffer.from([0xff, Math.floor(n() * 256)]))],
    ["LPOP / LSET", (r, n) => (n() < 0.5 ? r.lpop(person(n)) : r.lset(person(n), 0, "first"))],
    ["SADD", (r, n) => r.sadd(person(n), `m${Math.floor(n() * 10)}`, `m${Math.floor(n() * 10)}`)],
    ["SREM", (r, n) => r.srem(person(n), `m${Math.floor(n() * 10)}`)],
    ["ZADD", (r, n) => r.zadd(person(n), Math.floor(n() * 5), `z${Math.floor(n() * 10)}`)],
    ["ZINCRBY / ZREM", (r, n) => (n() < 0.5 ? r.zincrby(person(n), 1, `z${Math.floor(n() * 10)}`) : r.zrem(person(n), `z${Math.floor(n() * 10)}`))],
    ["HPEXPIRE a field (Valkey 9)", (r, n) => r.call("HPEXPIRE", person(n), 1 + Math.floor(n() * 50), "FIELDS", 1, field(n))],
    [
      "MOVE and back",
      async (r, n) => {
        const key = person(n);
        // Back from db 1: a script's SELECT stays inside the script (Redis 7), so the connection keeps db 0.
        if ((await r.move(key, 1)) === 1) await r.eval("redis.call('SELECT', 1) return redis.call('MOVE', KEYS[1], 0)", 1, key);
      },
    ],
  ];
}

/**
 * Runs operations for `seconds`, a few at a time, through `redis` (which may fail over under it:
 * a failed operation is not retried, its outcome is whatever Redis has). The number run.
 */
export async function runWorkload(redis: Redis, seed: number, seconds: number, ops: [string, Operation][], concurrency = 4): Promise<number> {
  const next = random(seed);
  const until = Date.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const [, operation] = pick(next, ops);
        await operation(redis, next).catch(() => sleep(5));
        count++;
        if (count % 50 === 0) await sleep(1);
      }
    }),
  );
  return count;
}

export interface Comparison {
  redisKeys: number;
  items: number;
  /** In Redis, not live in DynamoDB. */
  missing: string[];
  /** In both, with different values. */
  stale: string[];
  /** Live in DynamoDB, gone from Redis (should be gone). */
  extra: string[];
}

/** Redis (every `person:*` key of a type the feed copies, as bytes) against DynamoDB (every live item), value by value. */
export async function compare(redis: Redis | Cluster, dynamo: DynamoDBClient, table: string): Promise<Comparison> {
  const held = new Map<string, { type: string; value: unknown }>();
  for await (const { node, keys } of scanPrimaries(redis, "person:*")) {
    for (const key of keys) {
      const type = await node.type(key);
      if (type === "hash") {
        const fields = hashFields((await node.sendCommand(new Command("HGETALL", [key], { replyEncoding: null }))) as Buffer[]);
        if (typeof fields !== "string") held.set(key, { type, value: Object.fromEntries(Object.entries(fields).map(([f, v]) => [f, attributeOf(v)])) });
      } else if (valueTypes.includes(type)) held.set(key, { type, value: await redisValue(node, type, key) });
    }
  }
  const items = new Map<string, Record<string, AttributeValue>>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const { id, _v, _deleted, _expiresAt, ...rest } of page.Items ?? []) {
      void _v;
      void _expiresAt;
      if (!_deleted?.BOOL) items.set(`person:${id.S}`, rest);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  const text = (attributes: Record<string, AttributeValue>) =>
    JSON.stringify(
      Object.entries(attributes)
        .map(([name, v]) => [name, v.S ?? Buffer.from(v.B ?? []).toString("base64")])
        .sort(),
    );
  const same = ({ type, value }: { type: string; value: unknown }, item: Record<string, AttributeValue>) =>
    type === "hash" ? text(value as Record<string, AttributeValue>) === text(item) : standsFor(type, item, value);
  const result: Comparison = { redisKeys: held.size, items: items.size, missing: [], stale: [], extra: [] };
  for (const [key, value] of held) {
    const item = items.get(key);
    if (!item) result.missing.push(key);
    else if (!same(value, item)) result.stale.push(key);
  }
  for (const key of items.keys()) if (!held.has(key)) result.extra.push(key);
  for (const list of [result.missing, result.stale, result.extra]) list.sort();
  return result;
}
