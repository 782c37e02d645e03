// The snapshot and delivery step: each hinted key is re-read atomically (the server's clock, the key's
// type and its fields from one moment), turned into a change per mapping that covers it, and handed
// to that mapping's sink. Items that can never be written are dead-lettered with the reason.
import type { Cluster, Redis } from "ioredis";
import type { Change } from "../functions/change-feed/writer.js";
import type { Logger } from "../functions/shared/log.js";
import { changeOf, hashFields, partitionKeyOf, type CompiledMapping, type Snapshot } from "./mappings.js";
import type { ChangeSink } from "./sinks.js";

export interface ListenerCounters {
  /** Notifications on mapped keys. */
  seen: number;
  /** Hints folded into a delivery of the same key. */
  coalesced: number;
  written: number;
  /** A newer or equal version was already in the table. */
  skipped: number;
  /** Deliveries (or single writes) that were tried again. */
  retried: number;
  deadLettered: number;
  /** Keys queued by rescans. */
  rescanned: number;
  /** Milliseconds from a hint to its sink's confirmation, last delivery. */
  lagMs: number;
}

export const newCounters = (): ListenerCounters => ({ seen: 0, coalesced: 0, written: 0, skipped: 0, retried: 0, deadLettered: 0, rescanned: 0, lagMs: 0 });

// Read atomically: the server's clock (the version) and the key's state, from the same moment.
const snapshotScript = `
local t = redis.call('TIME')
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'hash' then return {t[1], t[2], kind, redis.call('HGETALL', KEYS[1])} end
return {t[1], t[2], kind}`;

/** The snapshot script's `Buffer` variant (ioredis defines it beside the command): values arrive as bytes, exactly. */
type SnapshotClient = (Redis | Cluster) & { changefeedSnapshotBuffer(key: string): Promise<[Buffer, Buffer, Buffer, Buffer[]?]> };

export class Delivery {
  private readonly client: SnapshotClient;

  constructor(
    client: Redis | Cluster,
    private readonly sink: ChangeSink,
    private readonly deadLetterKey: string,
    private readonly counters: ListenerCounters,
    private readonly log: Logger,
  ) {
    client.defineCommand("changefeedSnapshot", { numberOfKeys: 1, lua: snapshotScript });
    this.client = client as SnapshotClient;
  }

  /** What Redis holds for `key` now, with the server's time of the read as its version. */
  private async snapshot(key: string): Promise<Snapshot> {
    const [seconds, micros, type, flat] = await this.client.changefeedSnapshotBuffer(key);
    return { key, version: Number(seconds) * 1_000_000 + Number(micros), type: type.toString(), fields: flat && hashFields(flat) };
  }

  /** Snapshots every key (key -> when it was hinted), then hands each mapping's changes to the sink. Throws if any sink fails. */
  async deliver(keys: Map<string, number>, mappings: CompiledMapping[]): Promise<void> {
    const snapshots = await Promise.all([...keys.keys()].map((key) => this.snapshot(key)));
    const byMapping = new Map<CompiledMapping, Change[]>();
    const rejected: { key: string; mapping: string; reason: string }[] = [];
    for (const snapshot of snapshots) {
      for (const mapping of mappings) {
        if (partitionKeyOf(mapping, snapshot.key) === undefined) continue;
        const change = changeOf(mapping, snapshot);
        if (typeof change === "string") rejected.push({ key: snapshot.key, mapping: mapping.name, reason: change });
        else if (byMapping.has(mapping)) byMapping.get(mapping)!.push(change);
        else byMapping.set(mapping, [change]);
      }
    }
    await Promise.all(
      [...byMapping].map(async ([mapping, changes]) => {
        const result = await this.sink.write(mapping, changes);
        this.counters.written += result.written;
        this.counters.skipped += result.skipped;
        this.counters.retried += result.retried;
        for (const r of result.rejected) rejected.push({ key: r.key, mapping: mapping.name, reason: r.reason });
      }),
    );
    // Items that can never be written are kept, with the reason, and counted: not retried forever.
    for (const r of rejected) {
      await this.client.xadd(this.deadLetterKey, "*", "key", r.key, "mapping", r.mapping, "reason", r.reason, "at", new Date().toISOString());
      this.log.warn("dead-lettered", r);
    }
    this.counters.deadLettered += rejected.length;
    const now = Date.now();
    this.counters.lagMs = Math.max(0, ...[...keys.values()].map((at) => now - at));
  }
}
