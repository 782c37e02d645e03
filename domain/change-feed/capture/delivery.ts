// The delivery step: each hinted key is re-read atomically (domain/change-feed/capture/snapshots.ts), turned into a
// change per mapping that covers it, and handed to that mapping's sink. Items that can never be written are dead-lettered with the reason.
import type { Cluster, Redis } from "ioredis";
import type { Change, WriteResult } from "../writer.js";
import { SinkFailed } from "../errors.js";
import { errorMessage } from "../../runtime/errors.js";
import type { Logger } from "../../runtime/log.js";
import { backoffDelay, sleep } from "../../runtime/retry.js";
import { changeOf, partitionKeyOf, refusedType, type CompiledMapping } from "../mappings.js";
import { Snapshots } from "./snapshots.js";
import type { FeedMetrics } from "./feed-metrics.js";
import type { ChangeSink } from "../sinks.js";

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

/** A refusal (missing table, access denied, a payload the sink refuses) is tried this often before its keys are dead-lettered. */
const refusedAttempts = 3;

interface DeadLetter {
  key: string;
  mapping: string;
  reason: string;
}

export class Delivery {
  private readonly snapshots: Snapshots;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly sink: ChangeSink,
    private readonly options: { deadLetterKey: string; maxCollectionElements?: number },
    private readonly counters: ListenerCounters,
    private readonly log: Logger,
    private readonly metrics: FeedMetrics,
  ) {
    this.snapshots = new Snapshots(client, options.maxCollectionElements);
  }

  /**
   * Snapshots every key (key -> when it was hinted), then hands each mapping's changes to its sink; the
   * keys a sink did not confirm, to be tried again. One mapping's failure never holds up the others: a
   * failure no retry fixes is tried a few times, then its keys are dead-lettered with the reason.
   */
  async deliver(keys: Map<string, number>, mappings: CompiledMapping[]): Promise<{ failed: Set<string> }> {
    const snapshots = await this.snapshots.take([...keys.keys()]);
    const byMapping = new Map<CompiledMapping, Change[]>();
    const rejected: DeadLetter[] = [];
    for (const snapshot of snapshots) {
      for (const mapping of mappings) {
        if (partitionKeyOf(mapping, snapshot.key) === undefined) continue;
        const note = refusedType(mapping, snapshot);
        if (note) rejected.push({ key: snapshot.key, mapping: mapping.name, reason: note });
        const change = changeOf(mapping, snapshot);
        if (typeof change === "string") rejected.push({ key: snapshot.key, mapping: mapping.name, reason: change });
        else if (byMapping.has(mapping)) byMapping.get(mapping)!.push(change);
        else byMapping.set(mapping, [change]);
      }
    }
    const failed = new Set<string>();
    await Promise.all(
      [...byMapping].map(async ([mapping, changes]) => {
        const result = await this.write(mapping, changes);
        if ("error" in result) {
          if (result.error.retryable) changes.forEach((c) => failed.add(c.key));
          else rejected.push(...changes.map((c) => ({ key: c.key, mapping: mapping.name, reason: `the sink refused it: ${result.error.message}` })));
          return;
        }
        this.counters.written += result.written;
        this.counters.skipped += result.skipped;
        this.counters.retried += result.retried;
        for (const r of result.rejected) rejected.push({ key: r.key, mapping: mapping.name, reason: r.reason });
        const refused = new Set(result.rejected.map((r) => r.key));
        const now = Date.now();
        this.metrics.delivered(
          mapping.name,
          changes.filter((c) => !refused.has(c.key)).map((c) => now - keys.get(c.key)!),
        );
      }),
    );
    // Items that can never be written are kept, with the reason, and counted: not retried forever.
    for (const r of rejected) {
      await this.client.xadd(this.options.deadLetterKey, "*", "key", r.key, "mapping", r.mapping, "reason", r.reason, "at", new Date().toISOString());
      this.log.warn("dead-lettered", { ...r });
      this.metrics.deadLettered(r.mapping, 1);
    }
    this.metrics.delivery();
    this.counters.deadLettered += rejected.length;
    const now = Date.now();
    this.counters.lagMs = Math.max(0, ...[...keys].filter(([key]) => !failed.has(key)).map(([, at]) => now - at));
    return { failed };
  }

  /** One mapping's write; a failure no retry fixes is tried `refusedAttempts` times before it counts as final. */
  private async write(mapping: CompiledMapping, changes: Change[]): Promise<WriteResult | { error: SinkFailed }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sink.write(mapping, changes);
      } catch (caught) {
        const error = caught instanceof SinkFailed ? caught : new SinkFailed(errorMessage(caught), { cause: caught, retryable: true });
        this.log.error("delivery to a sink failed", {
          mapping: mapping.name,
          keys: changes.length,
          attempt,
          retryable: error.retryable,
          reason: error.message,
        });
        if (error.retryable || attempt >= refusedAttempts) return { error };
        this.counters.retried++;
        await sleep(backoffDelay(attempt, { attempts: refusedAttempts, baseMs: 200, maxMs: 2_000 }) + 50);
      }
    }
  }
}
