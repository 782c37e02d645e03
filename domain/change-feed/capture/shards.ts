// Shards and their leases. A shard is a primary and its replicas: the one node of a standalone group,
// or a cluster's slot range, named by its lowest slot so the name survives a failover. Each shard's
// hints are journaled on that shard, under a key hash-tagged into its slots, and each shard is
// captured by one listener at a time: the holder of its lease, a key on the shard that it renews.
import calculateSlot from "cluster-key-slot";
import type { Cluster, Redis } from "ioredis";

export interface Shard {
  /** `"0"` alone; in a cluster, the lowest slot of the shard's range. */
  name: string;
  /** The node serving it now, `host:port`. */
  node: string;
  journalKey: string;
  leaseKey: string;
}

export interface ShardConfig {
  journalKey: string;
  /** A lease not renewed for this long is free, and a listener not seen for this long is gone: its shards are taken over. */
  leaseMs: number;
}

const tags = new Map<number, string>();

/** A hash tag whose slot is `slot`: the shortest number that hashes there. */
export function tagOfSlot(slot: number): string {
  let tag = tags.get(slot);
  for (let i = 0; tag === undefined; i++) if (calculateSlot(String(i)) === slot) tags.set(slot, (tag = String(i)));
  return tag;
}

/** The shards as the client sees them now; standalone, the one shard keeps the journal key as it always was. */
export function shardsOf(client: Redis | Cluster, journalKey: string): Shard[] {
  const cluster = client as Cluster;
  if (!cluster.isCluster) {
    const node = `${(client as Redis).options.host}:${(client as Redis).options.port}`;
    return [{ name: "0", node, journalKey, leaseKey: `${journalKey}:lease` }];
  }
  const lowest = new Map<string, number>();
  cluster.slots.forEach((nodes, slot) => {
    const node = nodes?.[0];
    if (node !== undefined && !lowest.has(node)) lowest.set(node, slot);
  });
  return [...lowest].map(([node, slot]) => {
    const tag = tagOfSlot(slot);
    return { name: String(slot), node, journalKey: `${journalKey}:{${tag}}`, leaseKey: `${journalKey}:lease:{${tag}}` };
  });
}

/** The shard a key belongs to (by the node that serves its slot), among `shards`. */
export function shardOfKey(client: Redis | Cluster, shards: Shard[], key: string): Shard | undefined {
  const cluster = client as Cluster;
  if (!cluster.isCluster) return shards[0];
  const node = cluster.slots[calculateSlot(key)]?.[0];
  return shards.find((s) => s.node === node);
}

// Renewed only by its holder; released only by its holder.
const renewScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
// The group's members: each listener's field holds when it stops counting (the server's clock); the
// live ones are counted and the others dropped. Returns how many are live, this one included.
const membersScript = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))
local live = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) > now then live = live + 1 else redis.call('HDEL', KEYS[1], all[i]) end
end
return live`;

type LeaseClient = (Redis | Cluster) & {
  changefeedMembers(key: string, member: string, ms: number): Promise<number>;
  changefeedRenewLease(key: string, holder: string, ms: number): Promise<number>;
  changefeedReleaseLease(key: string, holder: string): Promise<number>;
};

/** What one round of the lease loop decided: shards to start capturing and to stop capturing. */
export interface LeaseRound {
  acquired: Shard[];
  lost: Shard[];
}

/**
 * The leases this listener holds. A round counts the live listeners (its share is the shards divided
 * among them), renews what it holds (a renewal refused, or not answered within the lease, loses the
 * shard), gives one back when it holds more than its share (a listener joined), and takes free
 * shards up to its share (a listener left: its leases and its membership ran out).
 */
export class ShardLeases {
  private readonly client: LeaseClient;
  private readonly held = new Map<string, { shard: Shard; until: number }>();

  constructor(
    client: Redis | Cluster,
    private readonly holder: string,
    private readonly config: ShardConfig,
  ) {
    client.defineCommand("changefeedMembers", { numberOfKeys: 1, lua: membersScript });
    client.defineCommand("changefeedRenewLease", { numberOfKeys: 1, lua: renewScript });
    client.defineCommand("changefeedReleaseLease", { numberOfKeys: 1, lua: releaseScript });
    this.client = client as LeaseClient;
  }

  /** Whether this listener may capture `shard` now: held, and renewed recently enough that no one else can hold it. */
  holds(shard: Shard): boolean {
    const lease = this.held.get(shard.name);
    return lease !== undefined && Date.now() < lease.until;
  }

  heldShards(): Shard[] {
    return [...this.held.values()].map((l) => l.shard);
  }

  async round(shards: Shard[]): Promise<LeaseRound> {
    const { leaseMs, journalKey } = this.config;
    const live = await this.client.changefeedMembers(`${journalKey}:members`, this.holder, leaseMs);
    const share = Math.ceil(shards.length / Math.max(1, live));
    const lost: Shard[] = [];
    for (const [name, lease] of this.held) {
      const shard = shards.find((s) => s.name === name) ?? lease.shard;
      const started = Date.now();
      const renewed = await this.client.changefeedRenewLease(shard.leaseKey, this.holder, leaseMs).catch(() => undefined);
      // The lease runs from when the renewal was sent, not when its answer came.
      if (renewed === 1) this.held.set(name, { shard, until: started + leaseMs });
      else if (renewed === 0 || Date.now() >= lease.until) {
        this.held.delete(name);
        lost.push(shard);
      }
    }
    if (this.held.size > share) {
      const [name, { shard }] = [...this.held].at(-1)!;
      this.held.delete(name);
      await this.client.changefeedReleaseLease(shard.leaseKey, this.holder).catch(() => 0);
      lost.push(shard);
    }
    const acquired: Shard[] = [];
    for (const shard of shards) {
      if (this.held.size >= share) break;
      if (this.held.has(shard.name)) continue;
      const started = Date.now();
      if ((await this.client.set(shard.leaseKey, this.holder, "PX", leaseMs, "NX").catch(() => null)) !== "OK") continue;
      this.held.set(shard.name, { shard, until: started + leaseMs });
      acquired.push(shard);
    }
    return { acquired, lost };
  }

  /** Gives every lease back, so another listener takes over at once. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.held.values()].map(({ shard }) => this.client.changefeedReleaseLease(shard.leaseKey, this.holder).catch(() => 0)));
    this.held.clear();
  }
}
