// Change feed, the cost on the primary: per captured change at 20,000 and 60,000 HSET/s, the commands
// Redis executed beyond the user's own writes (INFO commandstats before and after, scripts' inner calls
// included) and the CPU beyond what the writes alone cost (used_cpu_sys + used_cpu_user), against a
// notification-plus-read design measured in the same run (one HGETALL per event, as RIOT's live mode
// does); then the listener's ceiling: the highest offered rate at which p99 lag stays under 250 ms.
import { keyspaceEventsNeeded } from "../domain/change-feed/capture/subscriptions.js";
import { Redis } from "ioredis";
import { sleep } from "../domain/runtime/retry.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { startRedis } from "../local/launcher/services.js";
import { hsetLoad, nullSink, startBenchListener, serverCost } from "./change-feed-rig.js";
import { percentile, printTable } from "./table.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const keys = 10_000;
const redis = await startRedis({ config: { "notify-keyspace-events": keyspaceEventsNeeded } });
const writer = new Redis(redis.url);
const probe = new Redis(redis.url);
const mapping = parseMapping({ name: "people", pattern: "person:{id}", table: "people" });

interface Cost {
  commandsPerChange: number;
  cpuMicrosPerChange: number;
  byCommand: Map<string, number>;
}

/**
 * Runs the load at `rate` with `capture` beside it until `done`, and returns what the server did
 * beyond the writes: the load's own HSETs, the probe's INFO and its `polls` (counted) are left out.
 */
async function measure(rate: number, capture: () => Promise<{ done: () => Promise<boolean>; stop: () => Promise<void> }>, writesOnlyCpu = 0): Promise<Cost> {
  await writer.flushall();
  const running = await capture();
  const before = await serverCost(probe);
  const total = rate * seconds;
  await hsetLoad(writer, total, rate, keys);
  while (!(await running.done())) await sleep(10);
  const after = await serverCost(probe);
  await running.stop();
  const byCommand = new Map<string, number>();
  for (const [name, calls] of after.calls) {
    if (name === "hset" || name === "info") continue;
    const extra = calls - (before.calls.get(name) ?? 0);
    if (extra > 0) byCommand.set(name, extra / total);
  }
  const commandsPerChange = [...byCommand.values()].reduce((a, b) => a + b, 0);
  return { commandsPerChange, cpuMicrosPerChange: ((after.cpu - before.cpu) * 1e6) / total - writesOnlyCpu, byCommand };
}

/** The writes alone: what the server spends on them, per write, to subtract from the others. */
const writesOnly = (rate: number) => measure(rate, async () => ({ done: async () => true, stop: async () => {} }));

/** Ours: the listener into a null sink; done when every hint was seen and the journal is empty. */
const ours = (rate: number) =>
  async function () {
    const sink = nullSink();
    const running = await startBenchListener(redis.url, sink, mapping);
    const total = rate * seconds;
    return {
      // XLEN by the probe is the listener's own command too: counted in, at one per 10 ms poll (negligible per change).
      done: async () => running.listener.counters.seen >= total && (await probe.xlen("changefeed:journal")) === 0,
      stop: running.stop,
    };
  };

/** The baseline: one HGETALL per keyspace event, pipelined on one connection. */
const notifyAndRead = (rate: number) =>
  async function () {
    const subscriber = new Redis(redis.url);
    const reader = new Redis(redis.url, { enableAutoPipelining: true });
    let read = 0;
    await subscriber.psubscribe("__keyevent@*__:hset");
    subscriber.on("pmessage", (_p: string, _c: string, key: string) => void reader.hgetall(key).then(() => read++));
    const total = rate * seconds;
    return {
      done: async () => read >= total,
      stop: async () => {
        subscriber.disconnect();
        reader.disconnect();
      },
    };
  };

const rates = (process.env.BENCH_COST_RATES ?? "20000,40000,60000").split(",").map(Number);
for (const rate of rates) {
  const cpuOfWrites = (await writesOnly(rate)).cpuMicrosPerChange;
  const baseline = await measure(rate, notifyAndRead(rate), cpuOfWrites);
  const listener = await measure(rate, ours(rate), cpuOfWrites);
  printTable(
    `Change feed, Redis-side cost per captured change at ${rate.toLocaleString("en-US")} HSET/s (${(rate * seconds).toLocaleString("en-US")} HSETs over ${keys.toLocaleString("en-US")} keys; the writes' own cost left out)`,
    "one HGETALL per event",
    [
      { measure: "extra commands per change", ours: listener.commandsPerChange, baseline: baseline.commandsPerChange, unit: "cmd", higherIsBetter: false },
      { measure: "extra Redis CPU per change", ours: listener.cpuMicrosPerChange, baseline: baseline.cpuMicrosPerChange, unit: "µs", higherIsBetter: false },
    ],
  );
  const breakdown = [...listener.byCommand].sort((a, b) => b[1] - a[1]).map(([name, perChange]) => `${name} ${perChange.toFixed(3)}`);
  console.log(`\nours, per change: ${breakdown.join(", ")}; the writes alone: ${cpuOfWrites.toFixed(2)} µs of CPU each`);
}

// The ceiling: offered rates up to the first at which p99 lag passes 250 ms.
const ceilingRows: { rate: number; p99: number; p50: number }[] = [];
for (const rate of (process.env.BENCH_CEILING_RATES ?? "20000,40000,60000,80000,100000,120000").split(",").map(Number)) {
  await writer.flushall();
  const sink = nullSink();
  const running = await startBenchListener(redis.url, sink, mapping);
  const total = rate * 3;
  await hsetLoad(writer, total, rate, keys);
  while (running.listener.counters.seen < total || (await probe.xlen("changefeed:journal")) > 0) await sleep(10);
  await running.stop();
  const lags = sink.lags.sort((a, b) => a - b);
  ceilingRows.push({ rate, p50: percentile(lags, 50), p99: percentile(lags, 99) });
  if (percentile(lags, 99) >= 250) break;
}
const ceiling = [...ceilingRows].reverse().find((r) => r.p99 < 250);
console.log("\nChange feed ceiling (null sink, 3 s per rate):\n");
for (const r of ceilingRows)
  console.log(`  offered ${r.rate.toLocaleString("en-US")} HSET/s: lag p50 ${r.p50} ms, p99 ${r.p99} ms${r.p99 < 250 ? "" : "  <- over 250 ms"}`);
printTable("Change feed ceiling: highest offered rate with p99 lag under 250 ms", "target", [
  { measure: "ceiling", ours: ceiling?.rate ?? 0, baseline: 20_000, unit: "HSET/s", higherIsBetter: true },
]);

writer.disconnect();
probe.disconnect();
await redis.stop();
