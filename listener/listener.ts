// ChangeFeedListener: keyspace notifications are hints; every hinted key is re-read atomically and its
// current state delivered. In durable mode hints go through a Redis Stream journal with a consumer
// group and are acknowledged only after the sink confirms, so a crash loses nothing; on every
// (re)connect the mapped patterns are rescanned, so changes made while nobody listened arrive too.
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Redis, type Cluster } from "ioredis";
import { writeFileSync, renameSync } from "node:fs";
import { deletedAttribute, type Change } from "../functions/change-feed/writer.js";
import { errorMessage, type Logger } from "../functions/shared/log.js";
import { backoffDelay, sleep } from "../functions/shared/retry.js";
import { primaryNodes, scanPrimaries } from "../functions/shared/redis/clients.js";
import { changeOf, internalPrefix, keyOfPartitionKey, parseMapping, partitionKeyOf, type CompiledMapping, type Snapshot } from "./mappings.js";
import type { ChangeSink } from "./sinks.js";

export interface ListenerConfig {
  mappingsKey: string;
  journalKey: string;
  deadLetterKey: string;
  group: string;
  consumer: string;
  /** Journal mode: nothing lost across crashes. Off: an in-memory pending set (rescans cover gaps). */
  durable: boolean;
  /** At most this many keys per delivery... */
  batchSize: number;
  /** ...and a delivery waits at most this long for more. */
  maxLatencyMs: number;
  /** Journal deliveries under way at once: the next batch is read and snapshotted while the sink writes. */
  deliveriesInFlight: number;
  /** Entries another consumer left unacknowledged this long are taken over. */
  claimIdleMs: number;
  /** In-memory mode: past this many pending keys, drop them and rescan instead. */
  maxPending: number;
  /** On (re)connect, also find items whose Redis key is gone (a DynamoDB Scan per mapping). */
  rescanDeletes: boolean;
  healthFile?: string;
}

export const defaultListenerConfig: Omit<ListenerConfig, "consumer"> = {
  mappingsKey: "changefeed:mappings",
  journalKey: "changefeed:journal",
  deadLetterKey: "changefeed:dead-letter",
  group: "changefeed",
  durable: true,
  batchSize: 500,
  maxLatencyMs: 50,
  deliveriesInFlight: 2,
  claimIdleMs: 15_000,
  maxPending: 100_000,
  rescanDeletes: true,
};

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
  /** In-memory mode: hints dropped on overflow (a rescan follows). */
  dropped: number;
  /** Milliseconds from a hint to its sink's confirmation, last delivery. */
  lagMs: number;
}

// Events after which a key's state cannot differ (a TTL set or cleared, a miss); every other event on a
// mapped key is a hint, and the snapshot says what the key holds now (a non-hash is dead-lettered).
const stateless = new Set(["expire", "persist", "keymiss", "new"]);

// Read atomically: the server's clock (the version) and the key's state, from the same moment.
const snapshotScript = `
local t = redis.call('TIME')
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'hash' then return {t[1], t[2], kind, redis.call('HGETALL', KEYS[1])} end
return {t[1], t[2], kind}`;

/** Past this many remembered keys the memory is dropped (repeats are then simply written again). */
const maxConfirmedKeys = 200_000;

/** Orders stream entry ids (`<ms>-<seq>`). */
export function compareEntryIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split("-").map(Number);
  const [bMs, bSeq] = b.split("-").map(Number);
  return aMs - bMs || aSeq - bSeq;
}

type SnapshotClient = (Redis | Cluster) & { changefeedSnapshot(key: string): Promise<[string, string, string, string[]?]> };

/** Subscribers and the blocking journal reader need connections of their own, like `client`'s. */
export const connectionsLike =
  (client: Redis | Cluster) =>
  (node?: Redis): Redis | Cluster => {
    const own = { maxRetriesPerRequest: null, enableAutoPipelining: false };
    if (node) return node.duplicate(own);
    return (client as Cluster).isCluster ? (client as Cluster).duplicate([], { redisOptions: own }) : (client as Redis).duplicate(own);
  };

export class ChangeFeedListener {
  readonly counters: ListenerCounters = { seen: 0, coalesced: 0, written: 0, skipped: 0, retried: 0, deadLettered: 0, rescanned: 0, dropped: 0, lagMs: 0 };
  private mappings: CompiledMapping[] = [];
  private subscribers: Redis[] = [];
  private reader?: Redis | Cluster;
  private running = false;
  private loops: Promise<void>[] = [];
  private pending = new Map<string, number>();
  /**
   * Key -> journal position read before its last confirmed snapshot. A hint journaled at or before
   * that position is already reflected in the sink (a backlog holds many such repeats): skipped.
   */
  private confirmedAt = new Map<string, string>();
  private notificationsOk?: boolean;
  private lastError?: string;
  private failures = 0;
  private healthTimer?: ReturnType<typeof setInterval>;
  private rescanning?: Promise<void>;
  /** Resolves when stop() is called, so loops that wait between rounds end at once. */
  private stopping = Promise.resolve();
  private signalStop = () => {};
  private readonly client: SnapshotClient;

  constructor(
    client: Redis | Cluster,
    /** Opens another connection like `client` (subscribers and the blocking journal reader need their own). */
    private readonly connect: (node?: Redis) => Redis | Cluster,
    private readonly sink: ChangeSink,
    private readonly dynamo: DynamoDBClient | undefined,
    private readonly config: ListenerConfig,
    private readonly log: Logger,
  ) {
    client.defineCommand("changefeedSnapshot", { numberOfKeys: 1, lua: snapshotScript });
    this.client = client as SnapshotClient;
  }

  /** Loads the mapping file's mappings into the mappings hash (replacing same-named ones), then starts. */
  async start(fileMappings: CompiledMapping[]): Promise<void> {
    this.running = true;
    this.stopping = new Promise((resolve) => (this.signalStop = resolve));
    if (fileMappings.length) {
      const fields = fileMappings.flatMap((m) => [
        m.name,
        JSON.stringify({ name: m.name, pattern: m.pattern, table: m.table, lambda: m.lambda, partitionKey: m.partitionKey, format: m.format }),
      ]);
      await this.client.hset(this.config.mappingsKey, ...fields);
    }
    await this.reloadMappings();
    if (this.config.durable) {
      await this.client.xgroup("CREATE", this.config.journalKey, this.config.group, "0", "MKSTREAM").catch((e: Error) => {
        if (!e.message.includes("BUSYGROUP")) throw e;
      });
      this.reader = this.connect();
    }
    await this.subscribe();
    this.loops.push(this.config.durable ? this.consumeJournal() : this.consumePending());
    if (this.config.durable) this.loops.push(this.claimAbandoned());
    if (this.config.healthFile) this.healthTimer = setInterval(() => this.writeHealth(), 1_000);
    await this.selfTest();
    this.writeHealth();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.signalStop();
    if (this.healthTimer) clearInterval(this.healthTimer);
    for (const s of this.subscribers) s.disconnect();
    this.reader?.disconnect();
    await Promise.allSettled(this.loops);
    await this.rescanning?.catch(() => undefined);
    this.writeHealth("stopped");
  }

  health(status = this.running ? "running" : "stopped") {
    return {
      status,
      consumer: this.config.consumer,
      durable: this.config.durable,
      notificationsOk: this.notificationsOk ?? null,
      subscribers: this.subscribers.map((s) => s.status),
      mappings: this.mappings.map((m) => m.name),
      counters: { ...this.counters },
      lastError: this.lastError ?? null,
      at: new Date().toISOString(),
    };
  }

  private writeHealth(status?: string) {
    if (!this.config.healthFile) return;
    writeFileSync(`${this.config.healthFile}.tmp`, JSON.stringify(this.health(status)) + "\n");
    renameSync(`${this.config.healthFile}.tmp`, this.config.healthFile);
  }

  /** Re-reads the mappings hash; a bad entry is logged with its reason and skipped, never fatal. */
  private async reloadMappings(): Promise<void> {
    const raw = await this.client.hgetall(this.config.mappingsKey);
    const mappings: CompiledMapping[] = [];
    for (const [name, text] of Object.entries(raw)) {
      try {
        const mapping = parseMapping(JSON.parse(text), `mapping "${name}"`);
        if (mapping.name !== name) throw new Error(`mapping "${name}": field "name" is "${mapping.name}", not the hash field's name`);
        mappings.push(mapping);
      } catch (error) {
        this.log.error("mapping refused", { mapping: name, reason: errorMessage(error) });
      }
    }
    const added = mappings.filter((m) => !this.mappings.some((o) => o.name === m.name && o.pattern === m.pattern));
    this.mappings = mappings;
    this.log.info("mappings loaded", { mappings: mappings.map((m) => `${m.name}: ${m.pattern} -> ${m.lambda ?? "dynamodb"}:${m.table}`) });
    // A new mapping covers keys that already exist: copy them now.
    if (this.running && added.length && this.subscribers.length) this.scheduleRescan(added, false);
  }

  private async subscribe(): Promise<void> {
    this.subscribers = primaryNodes(this.client).map((node) => this.connect(node) as Redis);
    await Promise.all(
      this.subscribers.map(async (subscriber, i) => {
        subscriber.on("pmessage", (_pattern: string, channel: string, key: string) => this.onNotification(channel, key));
        let connects = 0;
        // ioredis resubscribes after a reconnect; whatever happened in between is found by a rescan.
        subscriber.on("ready", () => {
          if (connects++ > 0) {
            this.log.warn("subscriber reconnected: rescanning", { node: i });
            this.scheduleRescan(this.mappings, this.config.rescanDeletes);
          }
        });
        await subscriber.psubscribe("__keyevent@*__:*");
      }),
    );
    this.scheduleRescan(this.mappings, this.config.rescanDeletes);
  }

  private onNotification(channel: string, key: string): void {
    const event = channel.slice(channel.indexOf("__:") + 3);
    if (key === `${internalPrefix}probe:${this.config.consumer}`) {
      this.notificationsOk = true;
      return;
    }
    if (key === this.config.mappingsKey) {
      void this.reloadMappings().catch((e) => this.log.error("mapping reload failed", { reason: errorMessage(e) }));
      return;
    }
    if (stateless.has(event) || key.startsWith(internalPrefix)) return;
    if (!this.mappings.some((m) => partitionKeyOf(m, key) !== undefined)) return;
    this.counters.seen++;
    this.enqueue([key]);
  }

  private enqueue(keys: string[]): void {
    if (this.config.durable) {
      for (const key of keys) void this.client.xadd(this.config.journalKey, "*", "k", key).catch((e) => this.noteError("journal append failed", e));
      return;
    }
    for (const key of keys) {
      if (this.pending.has(key)) this.counters.coalesced++;
      else this.pending.set(key, Date.now());
    }
    if (this.pending.size > this.config.maxPending) {
      // Bounded memory: forget the hints, copy everything mapped instead (nothing is silently lost).
      this.counters.dropped += this.pending.size;
      this.pending.clear();
      this.scheduleRescan(this.mappings, false);
    }
  }

  /** Queues every key of the mappings (and, optionally, every item whose key is gone). One at a time. */
  private scheduleRescan(mappings: CompiledMapping[], deletes: boolean): void {
    const previous = this.rescanning ?? Promise.resolve();
    this.rescanning = previous.then(() => this.rescan(mappings, deletes)).catch((e) => this.noteError("rescan failed", e));
  }

  private async rescan(mappings: CompiledMapping[], deletes: boolean): Promise<void> {
    let queued = 0;
    for (const mapping of mappings) {
      for await (const { keys } of scanPrimaries(this.client, mapping.scanPattern)) {
        const covered = keys.filter((k) => partitionKeyOf(mapping, k) !== undefined);
        this.enqueue(covered);
        queued += covered.length;
        if (!this.running) break;
      }
      if (deletes && this.dynamo) queued += await this.rescanOrphans(mapping);
    }
    this.counters.rescanned += queued;
    this.log.info("rescan queued keys", { mappings: mappings.map((m) => m.name), keys: queued, deletes });
  }

  /** Items in the table whose Redis key no longer exists: queued, so their snapshot turns them into deletes. */
  private async rescanOrphans(mapping: CompiledMapping): Promise<number> {
    let queued = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.dynamo!.send(
        new ScanCommand({
          TableName: mapping.table,
          ProjectionExpression: "#pk, #d",
          ExpressionAttributeNames: { "#pk": mapping.partitionKey, "#d": deletedAttribute },
          ExclusiveStartKey: start as never,
        }),
      );
      const keys = (page.Items ?? [])
        .filter((item) => !item[deletedAttribute]?.BOOL)
        .map((item) => keyOfPartitionKey(mapping, item[mapping.partitionKey]?.S ?? ""));
      const exists = await Promise.all(keys.map((k) => this.client.exists(k)));
      const gone = keys.filter((_, i) => exists[i] === 0);
      this.enqueue(gone);
      queued += gone.length;
      start = page.LastEvaluatedKey;
    } while (start && this.running);
    return queued;
  }

  private async selfTest(): Promise<void> {
    // ElastiCache refuses CONFIG: the only way to know notifications are on is to see one.
    const probe = `${internalPrefix}probe:${this.config.consumer}`;
    await this.client.hset(probe, "at", Date.now());
    await this.client.del(probe);
    for (let i = 0; i < 40 && this.notificationsOk !== true; i++) await sleep(50);
    if (this.notificationsOk !== true) {
      this.notificationsOk = false;
      this.noteError(
        "no keyspace notification arrived",
        new Error("set notify-keyspace-events (e.g. KEA) in the parameter group; only rescans will copy changes"),
      );
    }
  }

  private noteError(what: string, error: unknown) {
    this.lastError = `${what}: ${errorMessage(error)}`;
    this.log.error(what, { reason: errorMessage(error) });
  }

  private async consumeJournal(): Promise<void> {
    // Own unacknowledged entries first (a previous run of this consumer crashed), then new ones.
    let cursor = "0";
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    while (this.running) {
      try {
        if (failure) throw failure.error;
        const reply = (await this.reader!.xreadgroup(
          "GROUP",
          this.config.group,
          this.config.consumer,
          "COUNT",
          this.config.batchSize,
          "BLOCK",
          this.config.maxLatencyMs,
          "STREAMS",
          this.config.journalKey,
          cursor,
        )) as [string, [string, string[]][]][] | null;
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
        await this.backOff("journal delivery failed", error);
        cursor = "0";
      }
    }
    await Promise.all(inFlight);
  }

  /** Entries of consumers that died are taken over after `claimIdleMs`. */
  private async claimAbandoned(): Promise<void> {
    while (this.running) {
      await Promise.race([sleep(Math.min(this.config.claimIdleMs, 5_000)), this.stopping]);
      if (!this.running) return;
      try {
        let start = "0-0";
        do {
          const [next, entries] = (await this.client.xautoclaim(
            this.config.journalKey,
            this.config.group,
            this.config.consumer,
            this.config.claimIdleMs,
            start,
            "COUNT",
            this.config.batchSize,
          )) as [string, [string, string[]][]];
          start = next;
          if (entries.length) await this.deliverEntries(entries.filter((e) => e[1] !== null));
        } while (start !== "0-0" && this.running);
      } catch (error) {
        if (this.running) this.noteError("claiming abandoned entries failed", error);
      }
    }
  }

  private async deliverEntries(entries: [string, string[]][]): Promise<void> {
    // Read before any snapshot: every entry up to here was journaled before the snapshots are taken.
    const position = await this.journalPosition();
    const oldest = new Map<string, number>();
    for (const [id, fields] of entries) {
      const key = fields?.[1];
      if (key === undefined) continue;
      const at = Number(id.split("-")[0]);
      const covered = this.confirmedAt.get(key);
      if (oldest.has(key) || (covered !== undefined && compareEntryIds(id, covered) <= 0)) {
        // Already in this delivery, or a snapshot taken after this hint was journaled is confirmed.
        this.counters.coalesced++;
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
    const ids = entries.map(([id]) => id);
    // Atomic: a crash between the two would leave entries acknowledged but never removed.
    await this.client
      .multi()
      .xack(this.config.journalKey, this.config.group, ...ids)
      .xdel(this.config.journalKey, ...ids)
      .exec();
  }

  /** The journal's last generated entry id (hints are compared with it, never with a clock). */
  private async journalPosition(): Promise<string> {
    const info = (await this.client.xinfo("STREAM", this.config.journalKey)) as unknown[];
    return String(info[info.indexOf("last-generated-id") + 1]);
  }

  private async consumePending(): Promise<void> {
    while (this.running) {
      if (this.pending.size === 0) {
        await sleep(Math.min(this.config.maxLatencyMs, 10));
        continue;
      }
      const batch = new Map<string, number>();
      for (const [key, at] of this.pending) {
        batch.set(key, at);
        this.pending.delete(key);
        if (batch.size >= this.config.batchSize) break;
      }
      try {
        await this.deliver(batch);
      } catch (error) {
        // Put them back (unless a newer hint is already there) and try again after a pause.
        for (const [key, at] of batch) if (!this.pending.has(key)) this.pending.set(key, at);
        await this.backOff("delivery failed", error);
      }
    }
  }

  private async backOff(what: string, error: unknown) {
    this.counters.retried++;
    this.noteError(what, error);
    await sleep(Math.max(50, backoffDelay(Math.min(this.failures++, 6), { attempts: 0, baseMs: 100, maxMs: 5_000 })));
  }

  /** Snapshots every key, then hands each mapping's changes to the sink. Throws if any sink fails. */
  private async deliver(keys: Map<string, number>): Promise<void> {
    const snapshots = await Promise.all(
      [...keys.keys()].map(async (key): Promise<Snapshot> => {
        const [seconds, micros, type, flat] = await this.client.changefeedSnapshot(key);
        const fields: Record<string, string> = {};
        for (let i = 0; flat && i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
        return { key, version: Number(seconds) * 1_000_000 + Number(micros), type, fields };
      }),
    );
    const byMapping = new Map<CompiledMapping, Change[]>();
    const rejected: { key: string; mapping: string; reason: string }[] = [];
    for (const snapshot of snapshots) {
      for (const mapping of this.mappings) {
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
      await this.client.xadd(this.config.deadLetterKey, "*", "key", r.key, "mapping", r.mapping, "reason", r.reason, "at", new Date().toISOString());
      this.log.warn("dead-lettered", r);
    }
    this.counters.deadLettered += rejected.length;
    const now = Date.now();
    this.counters.lagMs = Math.max(0, ...[...keys.values()].map((at) => now - at));
    this.failures = 0;
  }
}
