// Snapshots: what Redis holds for each hinted key, with the server's time of the read as its version.
// One script call reads a whole delivery's keys (per node in a cluster): the server's clock once, then
// each key's hash, its type only when it is not one. One call instead of four commands per key is
// most of what the feed costs the primary (bench/change-feed-cost.bench.ts).
import calculateSlot from "cluster-key-slot";
import type { Cluster, Redis } from "ioredis";
import { hashFields, type Snapshot } from "../mappings.js";

// Read atomically: the clock and every key's state from one moment. A hash is never empty, so an
// empty HGETALL is a key that is gone; WRONGTYPE is another type, named by TYPE. The first key is
// declared (it routes the call), the others are arguments: a cluster refuses declared keys of several
// slots, but lets a script with allow-cross-slot-keys read keys of any slot the node serves. No
// writes, so it runs even when the node is out of memory.
const snapshotScript = `#!lua flags=no-writes,allow-cross-slot-keys
local t = redis.call('TIME')
local out = {t[1], t[2]}
local keys = {KEYS[1], unpack(ARGV)}
for i, key in ipairs(keys) do
  local fields = redis.pcall('HGETALL', key)
  if fields['err'] then
    out[#out + 1] = redis.call('TYPE', key)['ok']
    out[#out + 1] = false
  elseif #fields == 0 then
    out[#out + 1] = 'none'
    out[#out + 1] = false
  else
    out[#out + 1] = 'hash'
    out[#out + 1] = fields
  end
end
return out`;

/** The script's `Buffer` variant (ioredis defines it beside the command): values arrive as bytes, exactly. */
type SnapshotClient = (Redis | Cluster) & { changefeedSnapshotBuffer(first: string, ...others: string[]): Promise<(Buffer | Buffer[] | null)[]> };

/** At most this many keys per script call, so one call never holds the server for long (and Lua's unpack has room). */
const keysPerCall = 500;

export class Snapshots {
  private readonly client: SnapshotClient;

  constructor(client: Redis | Cluster) {
    client.defineCommand("changefeedSnapshot", { numberOfKeys: 1, lua: snapshotScript });
    this.client = client as SnapshotClient;
  }

  /** Every key's snapshot, in order. */
  async take(keys: string[]): Promise<Snapshot[]> {
    const byKey = new Map<string, Snapshot>();
    await Promise.all(this.groups(keys).map((group) => this.read(group, byKey)));
    return keys.map((key) => byKey.get(key)!);
  }

  /** Keys grouped by the node that serves them (all together on a single node), in calls of at most `keysPerCall`. */
  private groups(keys: string[]): string[][] {
    const cluster = (this.client as Cluster).isCluster ? (this.client as Cluster) : undefined;
    const byNode = new Map<string, string[]>();
    for (const key of keys) {
      const node = cluster ? String(cluster.slots[calculateSlot(key)]?.[0]) : "";
      const group = byNode.get(node);
      if (group) group.push(key);
      else byNode.set(node, [key]);
    }
    return [...byNode.values()].flatMap((group) =>
      Array.from({ length: Math.ceil(group.length / keysPerCall) }, (_, i) => group.slice(i * keysPerCall, (i + 1) * keysPerCall)),
    );
  }

  /**
   * One call for `keys`. When the topology moved under a group (a slot migrated, a failover), the node
   * refuses it as a whole: each key is then read on its own, which the client routes and redirects.
   */
  private async read(keys: string[], into: Map<string, Snapshot>): Promise<void> {
    let reply: (Buffer | Buffer[] | null)[];
    try {
      reply = await this.client.changefeedSnapshotBuffer(keys[0], ...keys.slice(1));
    } catch (error) {
      if (keys.length === 1) throw error;
      await Promise.all(keys.map((key) => this.read([key], into)));
      return;
    }
    const version = Number(reply[0]) * 1_000_000 + Number(reply[1]);
    keys.forEach((key, i) => {
      const flat = reply[2 + i * 2 + 1] as Buffer[] | null;
      into.set(key, { key, version, type: String(reply[2 + i * 2]), fields: flat ? hashFields(flat) : undefined });
    });
  }
}
