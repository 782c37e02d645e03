// The journal: every hint goes into a Redis Stream read through a consumer group, and an entry is
// acknowledged (and removed) only after the sink confirmed the snapshot it led to, so a crash loses
// nothing and several listeners share the load. Entries another consumer left behind are claimed.
import type { Cluster, Redis } from "ioredis";
import { sleep } from "../functions/shared/retry.js";

export interface JournalConfig {
  journalKey: string;
  group: string;
  consumer: string;
  /** At most this many entries per delivery... */
  batchSize: number;
  /** ...and a delivery waits at most this long for more. */
  maxLatencyMs: number;
  /** Deliveries under way at once: the next batch is read and snapshotted while the sink writes. */
  deliveriesInFlight: number;
  /** Entries another consumer left unacknowledged this long are taken over. */
  claimIdleMs: number;
}

/** Delivers the current state of `keys` (key -> when its oldest hint was journaled, ms); throws if the sink failed. */
export type DeliverKeys = (keys: Map<string, number>) => Promise<void>;

export interface JournalEvents {
  /** A hint already reflected by a confirmed snapshot, or repeated within one delivery. */
  coalesced(): void;
  /** A delivery failed; the journal waits this long before reading its entries again. */
  failed(what: string, error: unknown): Promise<void>;
  /** Something went wrong that the journal carries on from (an append, a claim round). */
  error(what: string, error: unknown): void;
}

type Entry = [id: string, fields: string[]];

/** Past this many remembered keys the memory is dropped (repeats are then simply written again). */
const maxConfirmedKeys = 200_000;

/** Orders stream entry ids (`<ms>-<seq>`). */
export function compareEntryIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split("-").map(Number);
  const [bMs, bSeq] = b.split("-").map(Number);
  return aMs - bMs || aSeq - bSeq;
}

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
    await this.client.xgroup("CREATE", this.config.journalKey, this.config.group, "0", "MKSTREAM").catch((e: Error) => {
      if (!e.message.includes("BUSYGROUP")) throw e;
    });
    this.reader = this.openReader();
  }

  /** Consumes and claims until stop(); the two loops. */
  run(): Promise<void>[] {
    this.running = true;
    this.stopping = new Promise((resolve) => (this.signalStop = resolve));
    return [this.consume(), this.claimAbandoned()];
  }

  stop(): void {
    this.running = false;
    this.signalStop();
    this.reader?.disconnect();
  }

  /** Journals a hint per key; the append is what makes a hint durable. */
  append(keys: string[]): void {
    for (const key of keys) void this.client.xadd(this.config.journalKey, "*", "k", key).catch((e) => this.events.error("journal append failed", e));
  }

  private async consume(): Promise<void> {
    // Own unacknowledged entries first (a previous run of this consumer crashed), then new ones.
    let cursor = "0";
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    while (this.running) {
      try {
        if (failure) throw failure.error;
        const { group, consumer, batchSize, maxLatencyMs, journalKey } = this.config;
        const reply = (await this.reader!.xreadgroup("GROUP", group, consumer, "COUNT", batchSize, "BLOCK", maxLatencyMs, "STREAMS", journalKey, cursor)) as
          [string, Entry[]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (cursor === "0" && entries.length === 0) cursor = ">";
        if (!entries.length) continue;
        // Re-reading own pending entries returns the same ones until they are acknowledged: one at a time.
        if (cursor === "0") {
          await this.deliverEntries(entries);
          continue;
        }
        const delivery: Promise<void> = this.deliverEntries(entries)
          .catch((error) => void (failure ??= { error }))
          .finally(() => inFlight.delete(delivery));
        inFlight.add(delivery);
        if (inFlight.size >= this.config.deliveriesInFlight) await Promise.race(inFlight);
      } catch (error) {
        // Let the others settle, so the re-read of pending entries does not send theirs a second time.
        await Promise.all(inFlight);
        failure = undefined;
        if (!this.running) return;
        await this.events.failed("journal delivery failed", error);
        cursor = "0";
      }
    }
    await Promise.all(inFlight);
  }

  /** Entries of consumers that died are taken over after `claimIdleMs`. */
  private async claimAbandoned(): Promise<void> {
    const { journalKey, group, consumer, claimIdleMs, batchSize } = this.config;
    while (this.running) {
      await Promise.race([sleep(Math.min(claimIdleMs, 5_000)), this.stopping]);
      if (!this.running) return;
      try {
        let start = "0-0";
        do {
          const [next, entries] = (await this.client.xautoclaim(journalKey, group, consumer, claimIdleMs, start, "COUNT", batchSize)) as [string, Entry[]];
          start = next;
          if (entries.length) await this.deliverEntries(entries.filter((e) => e[1] !== null));
        } while (start !== "0-0" && this.running);
      } catch (error) {
        if (this.running) this.events.error("claiming abandoned entries failed", error);
      }
    }
  }

  /** Delivers each key once, skips hints a confirmed snapshot reflects, then confirms the entries. */
  private async deliverEntries(entries: Entry[]): Promise<void> {
    // Read before any snapshot: every entry up to here was journaled before the snapshots are taken.
    const position = await this.position();
    const oldest = new Map<string, number>();
    for (const [id, fields] of entries) {
      const key = fields?.[1];
      if (key === undefined) continue;
      const at = Number(id.split("-")[0]);
      const covered = this.confirmedAt.get(key);
      if (oldest.has(key) || (covered !== undefined && compareEntryIds(id, covered) <= 0)) {
        this.events.coalesced();
        continue;
      }
      oldest.set(key, Math.min(at, oldest.get(key) ?? at));
    }
    await this.deliver(oldest);
    if (this.confirmedAt.size + oldest.size > maxConfirmedKeys) this.confirmedAt.clear();
    for (const key of oldest.keys()) {
      // Deliveries overlap: one that started earlier may confirm later; keep the newer position.
      const known = this.confirmedAt.get(key);
      if (known === undefined || compareEntryIds(position, known) > 0) this.confirmedAt.set(key, position);
    }
    await this.confirm(entries.map(([id]) => id));
  }

  /** Atomic: a crash between the two would leave entries acknowledged but never removed. */
  private async confirm(ids: string[]): Promise<void> {
    const { journalKey, group } = this.config;
    await this.client
      .multi()
      .xack(journalKey, group, ...ids)
      .xdel(journalKey, ...ids)
      .exec();
  }

  /** The journal's last generated entry id (hints are compared with it, never with a clock). */
  private async position(): Promise<string> {
    const info = (await this.client.xinfo("STREAM", this.config.journalKey)) as unknown[];
    return String(info[info.indexOf("last-generated-id") + 1]);
  }
}
