// The journals of the shards this listener holds the leases of (shards.ts): a hint goes to its
// shard's journal when this listener holds that shard, and is left to the holder otherwise (who hears
// it too). The lease loop renews, takes over and gives up shards; each change is reported so the
// subscriptions follow (and a rescan finds what happened while no one held a shard).
import type { Cluster, Redis } from "ioredis";
import { sleep } from "../../runtime/retry.js";
import type { JournalDepth } from "./feed-metrics.js";
import { Journal, type DeliverKeys, type HintOrigin, type JournalConfig, type JournalEvents } from "./journal.js";
import { shardOfKey, shardsOf, ShardLeases, type Shard, type ShardConfig } from "./shards.js";

export interface ShardedJournalEvents extends JournalEvents {
  /** The held shards changed (taken over, or lost): subscriptions follow, a rescan covers the gap. */
  shardsChanged(why: string): void;
}

export class ShardedJournal {
  private readonly leases: ShardLeases;
  private readonly journals = new Map<string, { journal: Journal; loops: Promise<void>[] }>();
  /** The loops of journals whose shard was lost: still settling. */
  private readonly retired: Promise<void>[] = [];
  private shards: Shard[] = [];
  private running = false;
  private signalStop = () => {};
  private leaseLoop?: Promise<void>;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly openReader: () => Redis | Cluster,
    private readonly config: JournalConfig & ShardConfig,
    private readonly deliver: DeliverKeys,
    private readonly events: ShardedJournalEvents,
  ) {
    this.leases = new ShardLeases(client, config.consumer, config);
  }

  /** The first lease round: the shards this listener starts with (none, for a listener on standby). */
  async open(): Promise<void> {
    this.running = true;
    await this.leaseRound();
  }

  /** Keeps the leases until stop(); the journals' loops run inside. */
  run(): Promise<void>[] {
    const stopping = new Promise<void>((resolve) => (this.signalStop = resolve));
    this.leaseLoop = (async () => {
      while (this.running) {
        await Promise.race([sleep(this.config.leaseMs / 3), stopping]);
        if (this.running) await this.leaseRound().catch((e) => this.events.error("the lease round failed", e));
      }
      await Promise.all([...[...this.journals.values()].flatMap((j) => j.loops), ...this.retired]);
    })();
    return [this.leaseLoop];
  }

  /** Stops every journal and gives the leases back, so another listener takes over at once. */
  async stop(): Promise<void> {
    this.running = false;
    this.signalStop();
    for (const { journal } of this.journals.values()) journal.stop();
    await this.leases.releaseAll();
  }

  /** Whether this listener captures the shard of the node `node` (`host:port`) now. */
  capturesNode(node: string): boolean {
    return this.leases.heldShards().some((s) => s.node === node && this.leases.holds(s));
  }

  heldShards(): string[] {
    return this.leases.heldShards().map((s) => s.name);
  }

  /** Journals each key in its shard's journal, when this listener holds that shard. */
  append(keys: string[], origin?: HintOrigin): void {
    const byShard = new Map<Journal, string[]>();
    for (const key of keys) {
      const shard = shardOfKey(this.client, this.shards, key);
      const held = shard && this.leases.holds(shard) ? this.journals.get(shard.name)?.journal : undefined;
      if (!held) continue;
      const shardKeys = byShard.get(held);
      if (shardKeys) shardKeys.push(key);
      else byShard.set(held, [key]);
    }
    for (const [journal, shardKeys] of byShard) journal.append(shardKeys, origin);
  }

  /** Every held journal's length, and the oldest unconfirmed entry among them. */
  async depth(): Promise<JournalDepth & { byShard: Record<string, number> }> {
    const depths = await Promise.all([...this.journals].map(async ([name, { journal }]) => [name, await journal.depth()] as const));
    return {
      length: depths.reduce((n, [, d]) => n + d.length, 0),
      oldestUnconfirmedAgeMs: Math.max(0, ...depths.map(([, d]) => d.oldestUnconfirmedAgeMs)),
      byShard: Object.fromEntries(depths.map(([name, d]) => [name, d.length])),
    };
  }

  private async leaseRound(): Promise<void> {
    this.shards = shardsOf(this.client, this.config.journalKey);
    const { acquired, lost } = await this.leases.round(this.shards);
    for (const shard of lost) {
      const held = this.journals.get(shard.name);
      held?.journal.stop();
      this.retired.push(...(held?.loops ?? []));
      this.journals.delete(shard.name);
    }
    for (const shard of acquired) {
      const journal = new Journal(this.client, this.openReader, { ...this.config, journalKey: shard.journalKey }, this.deliver, this.events);
      await journal.open();
      this.journals.set(shard.name, { journal, loops: journal.run() });
    }
    if (acquired.length + lost.length === 0) return;
    const names = (shards: Shard[]) => shards.map((s) => s.name).join(", ") || "none";
    this.events.shardsChanged(`shards taken: ${names(acquired)}; lost: ${names(lost)}; held: ${names(this.leases.heldShards())}`);
  }
}
