// One shard's journal: every hint goes into a Redis Stream read through a consumer group, and an
// entry is removed (and acknowledged) only after the sink confirmed the snapshot it led to, so a crash
// loses nothing. One listener at a time consumes it, under the shard's lease (sharded-journal.ts);
// entries a previous holder left behind are claimed.
import type { Cluster, Redis } from "ioredis";
import { sleep } from "../../runtime/retry.js";
import type { JournalDepth } from "./feed-metrics.js";
import { chunksOf, compareEntryIds, keysOf, keysPerEntry, type Entry, type HintOrigin } from "./journal-entries.js";

export type { HintOrigin } from "./journal-entries.js";

export interface JournalConfig {
  journalKey: string;
  group: string;
  consumer: string;
  /** Entries read at once, and at most this many keys per delivery... */
  batchSize: number;
  /** ...and a delivery waits at most this long for more. */
  maxLatencyMs: number;
  /** Deliveries under way at once: the next batch is read and snapshotted while the sink writes. */
  deliveriesInFlight: number;
  /** Entries another consumer left unacknowledged this long are taken over. */
  claimIdleMs: number;
}

/** Delivers the current state of `keys` (key -> when its oldest hint was journaled, ms); the keys no sink confirmed. */
export type DeliverKeys = (keys: Map<string, number>) => Promise<{ failed: Set<string> }>;

export interface JournalEvents {
  /** A hint already reflected by a confirmed snapshot, or repeated within one delivery. */
  coalesced(): void;
  /** Something was not delivered: noted and counted; the journal tries its entries again after the delay returned (ms). */
  retryDelay(what: string, error?: unknown): number;
  /** Something went wrong that the journal carries on from (an append, a claim round). */
  error(what: string, error: unknown): void;
  /** The journal was gone (a flush or a restart without persistence) and has been recreated. */
  lost(): void;
}

/** Past this many remembered keys the memory is dropped (repeats are then simply written again). */
const maxConfirmedKeys = 200_000;

export class Journal {
  private running = false;
  /** Resolves when stop() is called, so loops that wait between rounds end at once. */
  private stopping = Promise.resolve();
  private signalStop = () => {};
  /**
   * Key -> journal position read before its last confirmed snapshot. A hint journaled at or before
   * that position is already reflected in the sink (a backlog holds many such repeats): skipped.
   */
  private confirmedAt = new Map<string, string>();

  /** Hinted keys of this tick, not journaled yet. */
  private readonly unjournaled = new Map<string, HintOrigin>();
  private appendScheduled = false;

  /** A connection of its own: XREADGROUP blocks. */
  private reader?: Redis | Cluster;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly openReader: () => Redis | Cluster,
    private readonly config: JournalConfig,
    private readonly deliver: DeliverKeys,
    private readonly events: JournalEvents,
  ) {}

  /** Creates the stream and the consumer group when missing. */
  async open(): Promise<void> {
    await this.createGroup();
    this.reader = this.openReader();
  }

  private async createGroup(): Promise<void> {
    await this.client.xgroup("CREATE", this.config.journalKey, this.config.group, "0", "MKSTREAM").catch((e: Error) => {
      if (!e.message.includes("BUSYGROUP")) throw e;
    });
  }

  /** Consumes and claims until stop(); the two loops. */
  run(): Promise<void>[] {
    this.running = true;
    this.stopping = new Promise((resolve) => (this.signalStop = resolve));
    return [this.consume(), this.claimAbandoned()];
  }

  stop(): void {
    this.running = false;
    // Hints of this tick not journaled yet: left to the shard's next holder (its rescan finds them).
    this.unjournaled.clear();
    this.signalStop();
    this.reader?.disconnect();
  }

  /**
   * Journals a hint per key; the append is what makes a hint durable. Hints of one tick (a socket
   * read's notifications) are collapsed per key and journaled together, `keysPerEntry` to an entry:
   * one XADD for a tick instead of one per change. A crash before it loses nothing a start's rescan
   * does not find again, as before, when each XADD was also still in flight.
   */
  append(keys: string[], origin: HintOrigin = "k"): void {
    // A key both notified and rescanned in one tick counts as notified.
    for (const key of keys) if (this.unjournaled.get(key) !== "k") this.unjournaled.set(key, origin);
    if (this.unjournaled.size && !this.appendScheduled) {
      this.appendScheduled = true;
      setImmediate(() => this.flushAppends());
    }
  }

  private flushAppends(): void {
    this.appendScheduled = false;
    const keys = [...this.unjournaled];
    this.unjournaled.clear();
    for (let i = 0; i < keys.length; i += keysPerEntry) {
      // Who journaled it: for the operator, and the proof that one listener at a time journals a shard.
      const fields = ["by", this.config.consumer, ...keys.slice(i, i + keysPerEntry).flatMap(([key, origin]) => [origin, key])];
      void this.client.xadd(this.config.journalKey, "*", ...fields).catch((e) => this.events.error("journal append failed", e));
    }
  }

  /**
   * New entries, with deliveries in flight side by side. Entries whose keys were not confirmed stay
   * pending; a pass over this consumer's pending entries (from "0", the cursor advancing, so it ends)
   * retries them after a backoff, between new deliveries: a failing mapping never holds up the rest.
   */
  private async consume(): Promise<void> {
    // The first pass: own pending entries, left by a previous run of this consumer that crashed.
    let cursor = "0";
    let retryAt = Infinity;
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    const unconfirmed = (count: number) => {
      if (count > 0) retryAt = Math.min(retryAt, Date.now() + this.events.retryDelay(`${count} keys not confirmed by their sink`));
    };
    while (this.running) {
      try {
        if (failure) throw failure.error;
        if (cursor === ">" && Date.now() >= retryAt) {
          // Pending entries include those of deliveries still in flight: let them settle first.
          await Promise.all(inFlight);
          retryAt = Infinity;
          cursor = "0";
        }
        const { group, consumer, batchSize, maxLatencyMs, journalKey } = this.config;
        const reply = (await this.reader!.xreadgroup("GROUP", group, consumer, "COUNT", batchSize, "BLOCK", maxLatencyMs, "STREAMS", journalKey, cursor)) as
          [string, Entry[]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (cursor !== ">") {
          // A pass over pending entries, one batch at a time, until it has seen them all.
          if (entries.length === 0) cursor = ">";
          else {
            cursor = entries[entries.length - 1][0];
            unconfirmed(await this.deliverEntries(entries));
          }
          continue;
        }
        if (!entries.length) continue;
        const delivery: Promise<void> = this.deliverEntries(entries)
          .then(unconfirmed, (error) => void (failure ??= { error }))
          .finally(() => inFlight.delete(delivery));
        inFlight.add(delivery);
        if (inFlight.size >= this.config.deliveriesInFlight) await Promise.race(inFlight);
      } catch (error) {
        // Let the others settle, so the pass over pending entries does not send theirs a second time.
        await Promise.all(inFlight);
        failure = undefined;
        if (!this.running) return;
        if (String(error).includes("NOGROUP")) {
          // The stream or its group is gone: a FLUSHDB, or a restart without persistence. Recreate
          // them (hints journaled since are read from 0) and let the listener restore the rest.
          await this.createGroup().then(
            () => this.events.lost(),
            (e) => this.events.error("recreating the journal failed", e),
          );
        } else await Promise.race([sleep(this.events.retryDelay("journal delivery failed", error)), this.stopping]);
        cursor = "0";
      }
    }
    await Promise.all(inFlight);
  }

  /**
   * Entries of consumers that died are taken over after `claimIdleMs`; at once in the first round,
   * when this journal's shard has just been taken over under its lease (no one else consumes it).
   */
  private async claimAbandoned(): Promise<void> {
    const { journalKey, group, consumer, claimIdleMs, batchSize } = this.config;
    for (let minIdle = 0; this.running; minIdle = claimIdleMs) {
      if (minIdle) await Promise.race([sleep(Math.min(claimIdleMs, 5_000)), this.stopping]);
      if (!this.running) return;
      try {
        let start = "0-0";
        do {
          const [next, entries] = (await this.client.xautoclaim(journalKey, group, consumer, minIdle, start, "COUNT", batchSize)) as [string, Entry[]];
          start = next;
          if (entries.length) await this.deliverEntries(entries);
        } while (start !== "0-0" && this.running);
      } catch (error) {
        if (this.running) this.events.error("claiming abandoned entries failed", error);
      }
    }
  }

  /**
   * Delivers each key once, skips hints a confirmed snapshot reflects, then confirms the entries whose
   * keys the sinks all confirmed; the others stay pending for the next pass. Entries go in deliveries
   * of at most `batchSize` keys, one after the other. The number of entries left pending.
   */
  private async deliverEntries(entries: Entry[]): Promise<number> {
    // Read before any snapshot: every entry up to here was journaled before the snapshots are taken.
    const position = await this.position();
    let pending = 0;
    for (const chunk of chunksOf(entries, this.config.batchSize)) pending += await this.deliverChunk(chunk, position);
    return pending;
  }

  private async deliverChunk(entries: Entry[], position: string): Promise<number> {
    const oldest = new Map<string, number>();
    for (const [id, fields] of entries) {
      const at = Number(id.split("-")[0]);
      for (const key of keysOf(fields)) {
        const covered = this.confirmedAt.get(key);
        if (oldest.has(key) || (covered !== undefined && compareEntryIds(id, covered) <= 0)) {
          this.events.coalesced();
          continue;
        }
        oldest.set(key, at);
      }
    }
    const { failed } = oldest.size ? await this.deliver(oldest) : { failed: new Set<string>() };
    if (this.confirmedAt.size + oldest.size > maxConfirmedKeys) this.confirmedAt.clear();
    for (const key of oldest.keys()) {
      if (failed.has(key)) continue;
      // Deliveries overlap: one that started earlier may confirm later; keep the newer position.
      const known = this.confirmedAt.get(key);
      if (known === undefined || compareEntryIds(position, known) > 0) this.confirmedAt.set(key, position);
    }
    const done = entries.filter(([, fields]) => !keysOf(fields).some((key) => failed.has(key))).map(([id]) => id);
    if (done.length) await this.confirm(done);
    return entries.length - done.length;
  }

  /** Confirmed entries are removed: what the stream holds is what is not confirmed yet. */
  async depth(): Promise<JournalDepth> {
    const key = this.config.journalKey;
    const [length, first] = await Promise.all([this.client.xlen(key), this.client.xrange(key, "-", "+", "COUNT", 1)]);
    return { length, oldestUnconfirmedAgeMs: first.length ? Math.max(0, Date.now() - Number(first[0][0].split("-")[0])) : 0 };
  }

  /**
   * One round trip, no transaction (the listener's engine user has no MULTI). Removed first: a crash
   * between the two leaves a pending id with no entry, which the next pass over pending entries reads
   * as a null entry and acknowledges; the other order would leave entries acknowledged, never removed.
   */
  private async confirm(ids: string[]): Promise<void> {
    const { journalKey, group } = this.config;
    const replies = await this.client
      .pipeline()
      .xdel(journalKey, ...ids)
      .xack(journalKey, group, ...ids)
      .exec();
    const failed = replies?.find(([error]) => error)?.[0];
    if (failed) throw failed;
  }

  /** The journal's last generated entry id (hints are compared with it, never with a clock). */
  private async position(): Promise<string> {
    const info = (await this.client.xinfo("STREAM", this.config.journalKey)) as unknown[];
    return String(info[info.indexOf("last-generated-id") + 1]);
  }
}
