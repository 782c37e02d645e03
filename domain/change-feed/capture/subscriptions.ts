// Keyspace-notification subscriptions that follow the primary. A replica publishes no notification for
// the writes it replicates, so a subscriber left on a demoted node hears nothing, forever. Every few
// seconds each subscriber must hear a probe written through the primary endpoint; one that does not
// (a failover whose connection was not dropped, a silent stall), or a change in the set of primaries
// (cluster mode), reattaches every subscriber through the primary endpoint; the listener then rescans.
import calculateSlot from "cluster-key-slot";
import type { Cluster, Redis } from "ioredis";
import { primaryNodes } from "../../redis/clients.js";
import { sleep } from "../../runtime/retry.js";
import { internalPrefix } from "../mappings.js";

/**
 * The keyspace events the listener needs (the parameter group's `notify-keyspace-events`): key-event
 * channels (E) for generic commands (g: DEL, RENAME, COPY, RESTORE, and JSON's commands), strings ($),
 * lists (l), sets (s), hashes (h, field TTLs included), sorted sets (z), expiries of keys and hash fields
 * (x) and evictions (e). Not streams (t: never copied), key misses (m) or new keys (n).
 */
export const keyspaceEventsNeeded = "Eg$lshzxe";

export interface SubscriptionsConfig {
  consumer: string;
  /** How often every subscriber must hear a probe. */
  probeIntervalMs: number;
  /** How long a probe may take to arrive. */
  probeTimeoutMs: number;
}

export interface SubscriptionEvents {
  notification(channel: string, key: string): void;
  /** Subscribers were (re)attached: what happened meanwhile is found by a rescan. */
  attached(why: string): void;
  /** Whether the last probe reached every subscriber. */
  heard(ok: boolean, why?: string): void;
}

const nodeId = (node: Redis) => `${node.options.host}:${node.options.port}`;

export class Subscriptions {
  private subscribers: Redis[] = [];
  private probes = new Map<string, boolean>();
  private writing?: Promise<unknown>;
  private running = false;
  private checking?: Promise<void>;
  private stopped = () => {};

  constructor(
    private readonly client: Redis | Cluster,
    private readonly connect: (node: Redis) => Redis,
    /** Whether this listener captures the shard of a primary (`host:port`): only those are subscribed. */
    private readonly captures: (node: string) => boolean,
    private readonly config: SubscriptionsConfig,
    private readonly events: SubscriptionEvents,
  ) {}

  /** Subscribes on every primary, proves each hears a probe, then keeps checking until stop(). */
  async start(): Promise<boolean> {
    this.running = true;
    await this.attach("start");
    const ok = await this.probe();
    const stopping = new Promise<void>((resolve) => (this.stopped = resolve));
    this.checking = (async () => {
      while (this.running) {
        await Promise.race([sleep(this.config.probeIntervalMs), stopping]);
        if (this.running) await this.check().catch(() => undefined);
      }
    })();
    return ok;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped();
    for (const s of this.subscribers) s.disconnect();
    // A check may wait on a node that is down: do not wait longer than a probe may take.
    await Promise.race([this.checking, sleep(this.config.probeTimeoutMs)]);
  }

  /** Whether `key` is one of our probes (then it is not a change to deliver). */
  isProbe(key: string): boolean {
    if (!this.probes.has(key)) return key.startsWith(`${internalPrefix}probe:`);
    this.probes.set(key, true);
    return true;
  }

  status(): string[] {
    return this.subscribers.map((s) => `${nodeId(s)} ${s.status}`);
  }

  /** The primaries of the shards this listener captures. */
  private captured(): Redis[] {
    return primaryNodes(this.client).filter((node) => this.captures(nodeId(node)));
  }

  /** The captured shards changed: subscribe to what is captured now (the listener then rescans). */
  async refresh(why: string): Promise<void> {
    if (this.running) await this.reattach(why).catch(() => undefined);
  }

  private async check(): Promise<void> {
    const now = this.captured().map(nodeId).sort().join(",");
    const before = this.subscribers.map(nodeId).sort().join(",");
    if (now !== before) return this.reattach(`the primaries changed (${before} -> ${now})`);
    if (!(await this.probe())) await this.reattach("a subscriber heard no probe: reattaching through the primary endpoint");
  }

  private async reattach(why: string): Promise<void> {
    for (const s of this.subscribers) s.disconnect();
    await this.attach(why);
    await this.probe();
  }

  private async attach(why: string): Promise<void> {
    this.subscribers = this.captured().map((node) => this.connect(node));
    await Promise.all(
      this.subscribers.map(async (subscriber) => {
        subscriber.on("pmessage", (_pattern: string, channel: string, key: string) => this.events.notification(channel, key));
        let connects = 0;
        // ioredis resubscribes after a reconnect; whatever happened in between is found by a rescan.
        subscriber.on("ready", () => {
          if (connects++ > 0 && this.running) this.events.attached(`subscriber ${nodeId(subscriber)} reconnected`);
        });
        await subscriber.psubscribe("__keyevent@*__:*");
      }),
    );
    this.events.attached(why);
  }

  /** Writes one probe per subscribed primary through the client (so it reaches the primary) and waits to hear each. */
  private async probe(): Promise<boolean> {
    const keys = this.subscribers.map((s) => this.probeKey(nodeId(s)));
    this.probes = new Map(keys.map((k) => [k, false]));
    // One probe write at a time: a client stuck on a demoted node must not queue one per check.
    this.writing ??= Promise.all(
      keys.map(async (key) => {
        await this.client.hset(key, "at", Date.now());
        await this.client.del(key);
      }),
    ).finally(() => (this.writing = undefined));
    const write = this.writing;
    // A write that hangs (a client retrying against a demoted node) is a probe not heard.
    const timeout = sleep(this.config.probeTimeoutMs).then(() => Promise.reject(new Error(`not acknowledged within ${this.config.probeTimeoutMs} ms`)));
    try {
      await Promise.race([write, timeout]);
    } catch (error) {
      this.events.heard(false, `writing the probe failed: ${error instanceof Error ? error.message : error}`);
      return false;
    }
    for (let waited = 0; waited < this.config.probeTimeoutMs && [...this.probes.values()].includes(false); waited += 25) await sleep(25);
    const deaf = [...this.probes].filter(([, heard]) => !heard).map(([key]) => key);
    this.events.heard(deaf.length === 0, deaf.length ? `no notification of ${deaf.join(", ")} within ${this.config.probeTimeoutMs} ms` : undefined);
    return deaf.length === 0;
  }

  /** A probe key the node `id` owns: any key on one node; in a cluster, one whose hash tag maps to its slots. */
  private probeKey(id: string): string {
    const base = `${internalPrefix}probe:${this.config.consumer}`;
    const cluster = this.client as Cluster;
    if (!cluster.isCluster) return base;
    for (let i = 0; i < 1_000_000; i++) {
      const key = `${base}:{${i}}`;
      if (cluster.slots[calculateSlot(key)]?.[0] === id) return key;
    }
    return base;
  }
}
