import { expect } from "chai";
import { Redis } from "ioredis";
import { statelessEvents } from "../domain/change-feed/capture/listener.js";
import { keyspaceEventsNeeded } from "../domain/change-feed/capture/subscriptions.js";
import { startRedis } from "../local/launcher/services.js";
import { eventually } from "./harness/eventually.js";

/** Every kind of write the feed follows, on every type, with expiries of a key and a hash field (deterministic: SPOP takes the set's last member). */
async function workload(redis: Redis): Promise<void> {
  const steps: (string | number)[][] = [
    ["SET", "s", "1"],
    ["APPEND", "s", "2"],
    ["INCRBY", "s", "3"],
    ["SETRANGE", "s", "0", "9"],
    ["MSETEX", "1", "s2", "v", "PX", "60000"],
    ["RPUSH", "l", "a", "b", "c"],
    ["LPUSH", "l", "z"],
    ["RPOP", "l"],
    ["LSET", "l", "0", "y"],
    ["LTRIM", "l", "0", "1"],
    ["LMOVE", "l", "l2", "LEFT", "RIGHT"],
    ["SADD", "t", "a", "b", "c"],
    ["SREM", "t", "a"],
    ["SMOVE", "t", "t2", "c"],
    ["SPOP", "t"],
    ["SINTERSTORE", "t3", "t2", "t2"],
    ["ZADD", "z", "1", "a", "2", "b"],
    ["ZINCRBY", "z", "1", "a"],
    ["ZREM", "z", "b"],
    ["ZREMRANGEBYSCORE", "z", "5", "6"],
    ["ZUNIONSTORE", "z2", "1", "z"],
    ["HSET", "h", "a", "1", "b", "2"],
    ["HDEL", "h", "a"],
    ["HINCRBY", "h", "c", "1"],
    ["HSETEX", "h", "PX", "60000", "FIELDS", "1", "d", "4"],
    ["HGETDEL", "h", "FIELDS", "1", "d"],
    ["HPEXPIRE", "h", "1", "FIELDS", "1", "b"],
    ["HPERSIST", "h", "FIELDS", "1", "c"],
    ["RENAME", "s2", "s3"],
    ["COPY", "s3", "s4"],
    ["DEL", "s4"],
    ["PEXPIRE", "s3", "1"],
  ];
  for (const step of steps) await redis.call(String(step[0]), ...step.slice(1).map(String));
}

/** The key-event names a server configured with `classes` publishes for the workload (its own expiries and eviction included). */
async function eventsUnder(classes: string): Promise<Set<string>> {
  // A small memory cap with LRU: the big SETs evict, which the `e` class reports.
  const node = await startRedis({ config: { "notify-keyspace-events": classes, maxmemory: "2mb", "maxmemory-policy": "allkeys-lru" } });
  const redis = new Redis(node.url);
  const subscriber = new Redis(node.url);
  const heard = new Set<string>();
  try {
    subscriber.on("pmessage", (_pattern, channel: string) => heard.add(channel.slice(channel.indexOf(":") + 1)));
    await subscriber.psubscribe("__keyevent@*__:*");
    await workload(redis);
    // A field is removed (and hexpired said) by the engine's expiry cycle, which can be well after its TTL: its stat tells.
    const stat = async (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(await redis.info("stats"))?.[1] ?? 0);
    await eventually(
      "expiries",
      async () => [await redis.exists("s3"), await stat("expired_fields")],
      (r) => r[0] === 0 && r[1] === 1,
    );
    // Then past the memory cap: the least recently used keys are evicted.
    for (let i = 0; i < 40; i++) await redis.set(`evict:${i}`, "x".repeat(64 * 1024));
    expect(await stat("evicted_keys"), "keys evicted").to.be.above(0);
    // Messages reach the one subscriber in order: once a marker published last is heard, every event before it was.
    await redis.publish("__keyevent@0__:end-of-workload", "marker");
    await eventually("the marker", async () => heard.delete("end-of-workload"), Boolean);
    return heard;
  } finally {
    subscriber.disconnect();
    redis.disconnect();
    await node.stop();
  }
}

/** Events of streams, which the feed never copies. */
const streamEvents = /^x(add|trim|del|setid|group-)/;

describe("change feed: notify-keyspace-events names what the feed needs, no more", function () {
  this.timeout(60_000);

  it(`${keyspaceEventsNeeded} delivers every event the listener acts on under KEA, and each of its classes carries one of them`, async () => {
    const all = await eventsUnder("KEA");
    const acted = [...all].filter((e) => !statelessEvents.has(e) && !streamEvents.test(e));
    expect(acted).to.include.members(["set", "lpush", "sadd", "zadd", "hset", "hexpired", "expired", "evicted", "rename_to", "copy_to", "del"]);
    const ours = await eventsUnder(keyspaceEventsNeeded);
    expect(
      acted.filter((e) => !ours.has(e)),
      "acted on under KEA, missing under ours",
    ).to.deep.equal([]);
    // No more: each class alone carries at least one event the listener acts on.
    for (const flag of keyspaceEventsNeeded.replace("E", "")) {
      const alone = await eventsUnder(`E${flag}`);
      expect([...alone].filter((e) => acted.includes(e)).length, `class ${flag}`).to.be.above(0);
    }
  });
});
