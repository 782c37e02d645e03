// Change feed, every type: the Redis-side cost per change for sorted sets, lists and sets (collections of
// 100 elements, each change one ZINCRBY, LSET or SADD/SREM) against one read of the whole collection per
// event (ZRANGE WITHSCORES, LRANGE, SMEMBERS: a notification-plus-read design) measured in the same run;
// then the listener's ceiling for a mixed workload of every type: the highest offered rate at which the
// feed has delivered everything within 250 ms of the last write.
import { Redis, type ChainableCommander } from "ioredis";
import { keyspaceEventsNeeded } from "../domain/change-feed/capture/subscriptions.js";
import { sleep } from "../domain/runtime/retry.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { startRedis } from "../local/launcher/services.js";
import { nullSink, pacedLoad, startBenchListener, serverCost } from "./change-feed-rig.js";
import { printTable } from "./table.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const keys = 1_000;
const elements = 100;
const rate = Number(process.env.BENCH_TYPES_RATE ?? 20_000);
const redis = await startRedis({ config: { "notify-keyspace-events": keyspaceEventsNeeded } });
const writer = new Redis(redis.url);
const probe = new Redis(redis.url);
const mapping = parseMapping({ name: "things", pattern: "thing:{id}", table: "things" });

interface Kind {
  name: string;
  /** Fills `thing:<i>` with `elements` elements. */
  fill(p: ChainableCommander, key: string): void;
  /** One change to `key`. */
  change(p: ChainableCommander, key: string, n: number): void;
  /** The baseline's read of the whole value. */
  read(r: Redis, key: string): Promise<unknown>;
  /** Events the change makes (a key-event name). */
  event: string;
}

const members = Array.from({ length: elements }, (_, i) => `m${i}`);
const kinds: Kind[] = [
  {
    name: "sorted set",
    fill: (p, k) => p.zadd(k, ...members.flatMap((m, i) => [i, m])),
    change: (p, k, n) => p.zincrby(k, 1, members[n % elements]),
    read: (r, k) => r.zrange(k, 0, -1, "WITHSCORES"),
    event: "zincr",
  },
  {
    name: "list",
    fill: (p, k) => p.rpush(k, ...members),
    change: (p, k, n) => p.lset(k, n % elements, `v${n}`),
    read: (r, k) => r.lrange(k, 0, -1),
    event: "lset",
  },
  {
    name: "set",
    fill: (p, k) => p.sadd(k, ...members),
    // Remove then add back: two events per change, as a set that churns sees.
    change: (p, k, n) => p.srem(k, members[n % elements]).sadd(k, members[n % elements]),
    read: (r, k) => r.smembers(k),
    event: "s*",
  },
];

async function filled(kindsToFill: Kind[]): Promise<void> {
  await writer.flushall();
  const pipeline = writer.pipeline();
  kindsToFill.forEach((kind, k) => {
    for (let i = 0; i < keys; i++) kind.fill(pipeline, `thing:${k}-${i}`);
  });
  await pipeline.exec();
}

/** Extra commands and CPU per change beyond the writes, with `capture` running beside the load. */
async function measure(kind: Kind, capture?: () => Promise<{ done: () => Promise<boolean>; stop: () => Promise<void> }>) {
  await filled([kind]);
  const running = capture ? await capture() : { done: async () => true, stop: async () => {} };
  const before = await serverCost(probe);
  const total = rate * seconds;
  const writes = new Set(["zincrby", "lset", "srem", "sadd", "info"]);
  await pacedLoad(writer, total, rate, (p, n) => kind.change(p, `thing:0-${n % keys}`, n));
  while (!(await running.done())) await sleep(10);
  const after = await serverCost(probe);
  await running.stop();
  let commands = 0;
  for (const [name, calls] of after.calls) if (!writes.has(name)) commands += calls - (before.calls.get(name) ?? 0);
  return { commands: commands / total, cpu: ((after.cpu - before.cpu) * 1e6) / total };
}

const ours = (total: number) => async () => {
  const running = await startBenchListener(redis.url, nullSink(), mapping);
  return { done: async () => running.listener.counters.seen >= total && (await probe.xlen("changefeed:journal")) === 0, stop: running.stop };
};

const readPerEvent = (kind: Kind, total: number, events: number) => async () => {
  const subscriber = new Redis(redis.url);
  const reader = new Redis(redis.url, { enableAutoPipelining: true });
  let read = 0;
  await subscriber.psubscribe(`__keyevent@*__:${kind.event}`);
  subscriber.on("pmessage", (_p: string, _c: string, key: string) => void kind.read(reader, key).then(() => read++));
  return {
    done: async () => read >= total * events,
    stop: async () => {
      subscriber.disconnect();
      reader.disconnect();
    },
  };
};

for (const kind of kinds) {
  const total = rate * seconds;
  const events = kind.name === "set" ? 2 : 1;
  const writesAlone = await measure(kind);
  const baseline = await measure(kind, readPerEvent(kind, total, events));
  const listener = await measure(kind, ours(total * events));
  printTable(
    `Change feed, Redis-side cost per ${kind.name} change at ${rate.toLocaleString("en-US")}/s (${keys.toLocaleString("en-US")} keys of ${elements} elements; the writes' own cost left out)`,
    "one whole read per event",
    [
      { measure: "extra commands per change", ours: listener.commands, baseline: baseline.commands, unit: "cmd", higherIsBetter: false },
      {
        measure: "extra Redis CPU per change",
        ours: listener.cpu - writesAlone.cpu,
        baseline: baseline.cpu - writesAlone.cpu,
        unit: "µs",
        higherIsBetter: false,
      },
    ],
  );
}

// The ceiling for a mix of every type (hashes and strings besides): the highest offered rate whose
// changes are all delivered within 250 ms of the last write.
const mixed: ((p: ChainableCommander, n: number) => void)[] = [
  (p, n) => kinds[0].change(p, `thing:0-${n % keys}`, n),
  (p, n) => kinds[1].change(p, `thing:1-${n % keys}`, n),
  (p, n) => kinds[2].change(p, `thing:2-${n % keys}`, n),
  (p, n) => p.hset(`thing:h-${n % keys}`, "n", String(n)),
  (p, n) => p.set(`thing:s-${n % keys}`, String(n)),
];
/** Key events each of `mixed` makes (the set's change is a removal and an addition). */
const mixedEvents = [1, 1, 2, 1, 1];
const rows: { offered: number; drainMs: number }[] = [];
for (const offered of (process.env.BENCH_TYPES_CEILING_RATES ?? "10000,20000,40000,60000,80000").split(",").map(Number)) {
  await filled(kinds);
  const running = await startBenchListener(redis.url, nullSink(), mapping);
  const total = offered * 3;
  const events = Array.from({ length: total }, (_, n) => mixedEvents[n % mixed.length]).reduce((a, b) => a + b, 0);
  const seenBefore = running.listener.counters.seen;
  await pacedLoad(writer, total, offered, (p, n) => mixed[n % mixed.length](p, n));
  const ended = Date.now();
  while (running.listener.counters.seen - seenBefore < events || (await probe.xlen("changefeed:journal")) > 0) await sleep(5);
  rows.push({ offered, drainMs: Date.now() - ended });
  await running.stop();
  if (Date.now() - ended >= 250) break;
}
console.log("\nChange feed, mixed types (sorted sets, lists, sets, hashes, strings), null sink, 3 s per rate:\n");
for (const r of rows)
  console.log(
    `  offered ${r.offered.toLocaleString("en-US")} changes/s: delivered ${r.drainMs} ms after the last write${r.drainMs < 250 ? "" : "  <- over 250 ms"}`,
  );
const ceiling = [...rows].reverse().find((r) => r.drainMs < 250);
printTable("Change feed ceiling, mixed types: highest offered rate delivered within 250 ms of the last write", "target", [
  { measure: "ceiling", ours: ceiling?.offered ?? 0, baseline: 20_000, unit: "changes/s", higherIsBetter: true },
]);

writer.disconnect();
probe.disconnect();
await redis.stop();
