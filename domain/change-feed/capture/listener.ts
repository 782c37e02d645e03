// ChangeFeedListener: keyspace notifications are hints. Every hint on a mapped key goes into the
// journal (journal.ts), each delivery re-reads the hinted keys and writes their current state
// (delivery.ts), and on every (re)connect the mapped patterns are rescanned (rescan.ts), so changes
// made while nobody listened arrive too. This file wires them together: mappings, subscriptions,
// the start-up self-test, health, and the back-off after a failed delivery.
import type { Destinations } from "../destination-reader.js";
import type { Cluster, Redis } from "ioredis";
import { renameSync, writeFileSync } from "node:fs";
import { errorMessage } from "../../runtime/errors.js";
import type { Logger } from "../../runtime/log.js";
import { PathMetrics } from "../../runtime/metrics.js";
import { backoffDelay, sleep } from "../../runtime/retry.js";
import { Delivery, newCounters, type ListenerCounters } from "./delivery.js";
import { FeedMetrics } from "./feed-metrics.js";
import type { JournalConfig } from "./journal.js";
import { ShardedJournal } from "./sharded-journal.js";
import type { ShardConfig } from "./shards.js";
import { ActiveMappings, type ActiveMappingsConfig } from "./active-mappings.js";
import { internalPrefix, mappingJson, partitionKeyOf, type CompiledMapping } from "../mappings.js";
import { Rescanner } from "./rescan.js";
import { keyspaceEventsNeeded, Subscriptions, type SubscriptionsConfig } from "./subscriptions.js";
import { defaultMaxCollectionElements } from "./snapshots.js";
import type { ChangeSink } from "../sinks.js";

export { compareEntryIds } from "./journal-entries.js";
export type { ListenerCounters } from "./delivery.js";

export interface ListenerConfig extends JournalConfig, ShardConfig, Omit<SubscriptionsConfig, "consumer">, ActiveMappingsConfig {
  deadLetterKey: string;
  /** On (re)connect, also find items whose Redis key is gone (a DynamoDB Scan per mapping). */
  rescanDeletes: boolean;
  healthFile?: string;
  /** How often the listener's metrics are reported (and flushed to their sink). */
  metricsIntervalMs: number;
  /** Elements a list, set, sorted set or hash may hold and still be copied; past it the key is dead-lettered with its size (never truncated). */
  maxCollectionElements: number;
}

export const defaultListenerConfig: Omit<ListenerConfig, "consumer"> = {
  mappingsKey: "changefeed:mappings",
  refusedMappingsKey: "changefeed:mappings-refused",
  allowCatchAllMappings: false,
  journalKey: "changefeed:journal",
  deadLetterKey: "changefeed:dead-letter",
  group: "changefeed",
  batchSize: 500,
  maxLatencyMs: 50,
  deliveriesInFlight: 2,
  claimIdleMs: 15_000,
  leaseMs: 10_000,
  rescanDeletes: true,
  probeIntervalMs: 5_000,
  probeTimeoutMs: 2_000,
  metricsIntervalMs: 10_000,
  maxCollectionElements: defaultMaxCollectionElements,
};

// Events after which a key's state cannot differ (a TTL set or cleared on the key or a hash field, a
// miss); every other event on a mapped key is a hint, and the snapshot says what the key holds now.
export const statelessEvents = new Set(["expire", "persist", "keymiss", "new", "hexpire", "hpersist"]);

export class ChangeFeedListener {
  readonly counters: ListenerCounters = newCounters();
  private readonly active: ActiveMappings;
  /** The mapping file's mappings, restored into the mappings hash when a flush wipes it. */
  private fileMappings: CompiledMapping[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private notificationsOk?: boolean;
  private lastError?: { what: string; at: string };
  private failures = 0;
  private healthTimer?: ReturnType<typeof setInterval>;
  private metricsTimer?: ReturnType<typeof setInterval>;
  readonly metrics: FeedMetrics;
  private signalStopped = () => {};
  private readonly stopped = new Promise<void>((resolve) => (this.signalStopped = resolve));
  private readonly journal: ShardedJournal;
  private readonly delivery: Delivery;
  private readonly rescanner: Rescanner;
  private readonly subscriptions: Subscriptions;

  constructor(
    private readonly client: Redis | Cluster,
    /** Opens another connection like `client` (subscribers and the blocking journal reader need their own). */
    connect: (node?: Redis) => Redis | Cluster,
    sink: ChangeSink,
    /** The destinations' clients, read by the rescan for entries whose key is gone. */
    destinations: Destinations,
    private readonly config: ListenerConfig,
    private readonly log: Logger,
    /** Where the listener's metrics go (the CloudWatch agent in AWS, the status page locally); nowhere by default. */
    metrics = new PathMetrics("change-feed", () => {}),
  ) {
    this.metrics = new FeedMetrics(metrics);
    this.active = this.activeMappingsOf(sink);
    this.delivery = new Delivery(client, sink, config, this.counters, log, this.metrics);
    this.journal = new ShardedJournal(
      client,
      () => connect(),
      config,
      (keys) => this.deliver(keys),
      {
        coalesced: () => void this.counters.coalesced++,
        retryDelay: (what, error) => this.retryDelay(what, error),
        error: (what, error) => this.noteError(what, error),
        lost: () => void this.restoreState(),
        shardsChanged: (why) => void this.subscriptions.refresh(why),
      },
    );
    this.rescanner = new Rescanner(
      client,
      destinations,
      (keys) => this.journal.append(keys, "r"),
      () => this.running,
      () => this.stopped,
      {
        done: (mapping, keys, deletes) => {
          this.counters.rescanned += keys;
          this.metrics.rescanned(mapping);
          this.log.info("rescan queued keys", { mapping, keys, deletes });
        },
        failed: (mapping, error) => this.noteError(`rescan of ${mapping} failed (pending: tried again)`, error),
      },
    );
    this.subscriptions = this.subscriptionsOf(connect);
  }

  /** The keyspace subscribers, one per node the journal captures; every reattachment rescans what may have been missed. */
  private subscriptionsOf(connect: (node?: Redis) => Redis | Cluster): Subscriptions {
    return new Subscriptions(
      this.client,
      (node) => connect(node) as Redis,
      (node) => this.journal.capturesNode(node),
      this.config,
      {
        notification: (channel, key) => this.onNotification(channel, key),
        attached: (why) => {
          if (why !== "start") this.log.warn("subscribers reattached: rescanning", { why });
          this.scheduleRescan(this.mappings, this.config.rescanDeletes);
        },
        heard: (ok, why) => {
          if (!ok && why) this.noteError("keyspace notifications not heard", why);
          this.notificationsOk = ok;
        },
      },
    );
  }

  /** The mappings in force, each destination checked by the sink when it loads. */
  private activeMappingsOf(sink: ChangeSink): ActiveMappings {
    return new ActiveMappings(this.client, this.config, (m) => sink.check?.(m) ?? Promise.resolve(undefined), this.log, {
      // A new (or newly pointed) mapping covers keys that already exist: copy them now.
      changed: (mappings) => {
        if (this.running) this.scheduleRescan(mappings, false);
      },
      error: (what, error) => this.noteError(what, error),
    });
  }

  /** Loads the mapping file's mappings into the mappings hash (replacing same-named ones), then starts. */
  async start(fileMappings: CompiledMapping[]): Promise<void> {
    this.fileMappings = fileMappings;
    await this.writeFileMappings();
    this.running = true;
    await this.active.reload();
    await this.journal.open();
    // ElastiCache refuses CONFIG: the only way to know notifications are on is to hear one.
    const heard = await this.subscriptions.start();
    if (!heard)
      this.log.error("no keyspace notification arrived", {
        hint: `set notify-keyspace-events (${keyspaceEventsNeeded}) in the parameter group; only rescans will copy changes`,
      });
    this.loops.push(...this.journal.run());
    if (this.config.healthFile) this.healthTimer = setInterval(() => this.writeHealth(), 1_000);
    this.writeHealth();
    this.metricsTimer = setInterval(() => void this.reportMetrics(), this.config.metricsIntervalMs);
  }

  /** The mappings in force now (the hash's, after its last reload). */
  get activeMappings(): readonly CompiledMapping[] {
    return this.active.mappings;
  }

  private get mappings(): CompiledMapping[] {
    return this.active.mappings;
  }

  private async reportMetrics(): Promise<void> {
    // A refused mapping is checked again each interval: a table created since makes it load.
    if (this.active.refused.size) this.active.schedule(() => this.running);
    const journal = await this.journal.depth().catch(() => undefined);
    this.metrics.report({ deaf: this.running && !this.notificationsOk, journal, refusedMappings: this.active.refused.size });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.signalStopped();
    await this.journal.stop();
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    await this.subscriptions.stop();
    // A delivery or rescan may wait on a node that is down or a sink that is gone: give them 2 s. What
    // they leave undone stays in the journal and is delivered by the next run.
    await Promise.race([Promise.allSettled([...this.loops, this.rescanner.idle()]), sleep(2_000)]);
    this.writeHealth("stopped");
  }

  /** A listener whose subscribers do not hear their primary is not healthy, whatever else runs. */
  health(status = !this.running ? "stopped" : this.notificationsOk ? "running" : "deaf") {
    return {
      status,
      consumer: this.config.consumer,
      notificationsOk: this.notificationsOk ?? null,
      subscribers: this.subscriptions.status(),
      mappings: this.mappings.map((m) => m.name),
      refusedMappings: Object.fromEntries(this.active.refused),
      shards: this.journal.heldShards(),
      // A rescan stays pending until it completes (the table may be unreachable for a while).
      rescan: this.rescanner.status(),
      counters: { ...this.counters },
      lastError: this.lastError?.what ?? null,
      lastErrorAt: this.lastError?.at ?? null,
      at: new Date().toISOString(),
    };
  }

  private writeHealth(status?: string) {
    if (!this.config.healthFile) return;
    writeFileSync(`${this.config.healthFile}.tmp`, JSON.stringify(this.health(status)) + "\n");
    renameSync(`${this.config.healthFile}.tmp`, this.config.healthFile);
  }

  private async writeFileMappings(): Promise<void> {
    if (!this.fileMappings.length) return;
    const fields = this.fileMappings.flatMap((m) => [m.name, mappingJson(m)]);
    await this.client.hset(this.config.mappingsKey, ...fields);
  }

  /**
   * The listener's own keys were wiped (FLUSHDB/FLUSHALL emit no per-key events; a node restarted
   * without persistence, or a replica promoted before they replicated): the journal is back already;
   * restore the mapping file's mappings if the hash is gone, then rescan with deletes so DynamoDB
   * converges to what Redis holds now.
   */
  private async restoreState(): Promise<void> {
    this.log.warn("the listener's state in Redis was gone (a flush or a restart): restoring it and rescanning");
    try {
      if (!(await this.client.exists(this.config.mappingsKey))) await this.writeFileMappings();
      await this.active.reload();
      this.scheduleRescan(this.mappings, true);
    } catch (error) {
      this.noteError("restoring the listener's state failed", error);
    }
  }

  private async deliver(keys: Map<string, number>): Promise<{ failed: Set<string> }> {
    const outcome = await this.delivery.deliver(keys, this.mappings);
    if (outcome.failed.size === 0) this.failures = 0;
    return outcome;
  }

  private onNotification(channel: string, key: string): void {
    const event = channel.slice(channel.indexOf("__:") + 3);
    if (this.subscriptions.isProbe(key)) return;
    if (key === this.config.mappingsKey) return this.active.schedule(() => this.running);
    if (statelessEvents.has(event) || key.startsWith(internalPrefix)) return;
    if (!this.mappings.some((m) => partitionKeyOf(m, key) !== undefined)) return;
    this.counters.seen++;
    this.journal.append([key]);
  }

  /** Queues every key of the mappings (and, optionally, every item whose key is gone), retried until done. */
  private scheduleRescan(mappings: CompiledMapping[], deletes: boolean): void {
    this.rescanner.request(mappings, deletes);
  }

  private noteError(what: string, error: unknown) {
    this.lastError = { what: `${what}: ${errorMessage(error)}`, at: new Date().toISOString() };
    this.log.error(what, { reason: errorMessage(error) });
  }

  /** Notes a failure and counts a retry; the delay grows with consecutive failures (50 ms to 5 s, jittered). */
  private retryDelay(what: string, error?: unknown): number {
    this.counters.retried++;
    if (error === undefined) this.log.warn(what);
    else this.noteError(what, error);
    return Math.max(50, backoffDelay(Math.min(this.failures++, 6), { attempts: 0, baseMs: 100, maxMs: 5_000 }));
  }
}
