// The change-feed benchmarks' rig: pipelined HSETs at a steady rate (each hash carrying its send time),
// a listener into any sink, and a null sink that records each change's lag.
import { Redis, type ChainableCommander } from "ioredis";
import type { Change, WriteResult } from "../domain/change-feed/writer.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { sleep } from "../domain/runtime/retry.js";
import { ChangeFeedListener, defaultListenerConfig, type ListenerConfig } from "../domain/change-feed/capture/listener.js";
import { connectionsLike } from "../domain/change-feed/capture/connections.js";
import type { CompiledMapping } from "../domain/change-feed/mappings.js";
import type { ChangeSink } from "../domain/change-feed/sinks.js";

/** Sends `total` changes at `perSecond` in pipelined ticks of 10 ms, each made by `change`; the seconds it took. */
export async function pacedLoad(
  writer: Redis,
  total: number,
  perSecond: number,
  change: (pipeline: ChainableCommander, n: number, now: number) => void,
): Promise<number> {
  const perTick = Math.max(1, Math.round(perSecond / 100));
  const started = Date.now();
  for (let sent = 0, tick = 0; sent < total; tick++) {
    const pipeline = writer.pipeline();
    const now = Date.now();
    for (let i = 0; i < perTick && sent < total; i++, sent++) change(pipeline, sent, now);
    await pipeline.exec();
    const due = started + (tick + 1) * 10;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  return (Date.now() - started) / 1000;
}

/** Writes `total` HSETs over `keys` keys at `perSecond` (each hash carrying its send time); the seconds it took. */
export const hsetLoad = (writer: Redis, total: number, perSecond: number, keys: number, prefix = "person:") =>
  pacedLoad(writer, total, perSecond, (pipeline, n, now) => pipeline.hset(`${prefix}${n % keys}`, "t", String(now), "n", String(n)));

/** A listener of `mapping` into `sink`, no rescan of deletes; `stop` also closes its connection. */
export async function startBenchListener(redisUrl: string, sink: ChangeSink, mapping: CompiledMapping, config: Partial<ListenerConfig> = {}) {
  const client = new Redis(redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: null });
  const listener = new ChangeFeedListener(
    client,
    connectionsLike(client),
    sink,
    {},
    { ...defaultListenerConfig, consumer: "bench", rescanDeletes: false, ...config },
    memoryLogger(),
  );
  await listener.start([mapping]);
  return {
    listener,
    stop: async () => {
      await listener.stop();
      client.disconnect();
    },
  };
}

/** A sink that confirms everything at once, noting each change's lag from its HSET (the hash's `t`). */
export function nullSink(): ChangeSink & { lags: number[]; confirmed: () => number } {
  const lags: number[] = [];
  return {
    lags,
    confirmed: () => lags.length,
    async write(_m: CompiledMapping, changes: Change[]): Promise<WriteResult> {
      const now = Date.now();
      for (const c of changes) lags.push(now - Number(c.attributes?.t ?? now));
      return { written: changes.length, skipped: 0, retried: 0, rejected: [] };
    },
  };
}

/** Calls per command since the server started, and its CPU seconds (user and system), from INFO. */
export async function serverCost(probe: Redis): Promise<{ calls: Map<string, number>; cpu: number }> {
  const info = await probe.info("all");
  const calls = new Map<string, number>();
  for (const [, name, count] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(name, Number(count));
  const cpu = ["used_cpu_sys", "used_cpu_user"].reduce((sum, field) => sum + Number(new RegExp(`^${field}:([\\d.]+)`, "m").exec(info)![1]), 0);
  return { calls, cpu };
}
