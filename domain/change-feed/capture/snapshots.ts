// Snapshots: what Redis holds for each hinted key, with the server's time of the read as its version.
// One script call reads a whole delivery's keys (per node in a cluster): the server's clock once, then
// each key's type and its whole value, as its type's strategy reads it (types/). One call instead of
// several commands per key is most of what the feed costs the primary (bench/change-feed-cost.bench.ts).
import calculateSlot from "cluster-key-slot";
import type { Cluster, Redis } from "ioredis";
import type { Snapshot } from "../mappings.js";
import { valueTypes } from "../types/value-type.js";
import { maxItemBytes } from "../writer.js";

/** Each readable type's reader in Lua: its size checked against the limit first (then only the size is returned), then its value. */
const readers = valueTypes
  .filter((t) => t.read)
  .map(({ type, read }) => {
    const size = read!.size ? `{'${read!.size.command}', ${read!.size.unit === "bytes" ? "maxBytes" : "maxElements"}}` : "false";
    return `readers['${type}'] = {${size}, function(key) return ${read!.lua} end}`;
  })
  .join("\n");

// Read atomically: the clock and every key's state from one moment. Most keys are hashes, so HLEN is
// asked first (a hash is never empty: 0 is a key that is gone; WRONGTYPE, another type, which TYPE then
// names). A value past its limit answers its size instead, so one call's cost is bounded by the limits,
// never by the data. The first key is declared (it routes the call), the others are arguments after the
// two limits: a cluster refuses declared keys of several slots, but lets a script with
// allow-cross-slot-keys read keys of any slot the node serves. No writes: it runs even out of memory.
const snapshotScript = `#!lua flags=no-writes,allow-cross-slot-keys
local maxElements = tonumber(ARGV[1])
local maxBytes = tonumber(ARGV[2])
local readers = {}
${readers}
local t = redis.call('TIME')
local out = {t[1], t[2]}
local keys = {KEYS[1], unpack(ARGV, 3)}
for i, key in ipairs(keys) do
  local fields = redis.pcall('HLEN', key)
  local kind, size
  if type(fields) == 'number' then
    kind = fields == 0 and 'none' or 'hash'
    size = fields
  else
    kind = redis.call('TYPE', key)['ok']
  end
  out[#out + 1] = kind
  local reader = readers[kind]
  if not reader then
    out[#out + 1] = false
  else
    size = size or (reader[1] and redis.call(reader[1][1], key))
    if size and reader[1] and size > reader[1][2] then
      out[#out + 1] = {size, reader[1][2]}
    else
      out[#out + 1] = reader[2](key)
    end
  end
end
return out`;

/** The script's `Buffer` variant (ioredis defines it beside the command): values arrive as bytes, exactly. */
type SnapshotClient = (Redis | Cluster) & {
  changefeedSnapshotBuffer(first: string, maxElements: number, maxBytes: number, ...others: string[]): Promise<(Buffer | Buffer[] | number[] | null)[]>;
};

/** At most this many keys per script call, so one call never holds the server for long (and Lua's unpack has room). */
const keysPerCall = 500;

/** Elements a collection may hold and still be copied (MAX_COLLECTION_ELEMENTS): past it, the key is dead-lettered with its size. */
export const defaultMaxCollectionElements = 100_000;

export class Snapshots {
  private readonly client: SnapshotClient;

  constructor(
    client: Redis | Cluster,
    private readonly maxElements = defaultMaxCollectionElements,
  ) {
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
    let reply: (Buffer | Buffer[] | number[] | null)[];
    try {
      reply = await this.client.changefeedSnapshotBuffer(keys[0], this.maxElements, maxItemBytes, ...keys.slice(1));
    } catch (error) {
      if (keys.length === 1) throw error;
      await Promise.all(keys.map((key) => this.read([key], into)));
      return;
    }
    const version = Number(reply[0]) * 1_000_000 + Number(reply[1]);
    keys.forEach((key, i) => {
      const value = reply[2 + i * 2 + 1];
      const type = String(reply[2 + i * 2]);
      // A size and its limit come back as two integers; a value, as bytes.
      const sized = Array.isArray(value) && typeof value[0] === "number";
      const read = value === null ? undefined : sized ? { tooLarge: (value as number[])[0], limit: (value as number[])[1] } : value;
      into.set(key, { key, version, type, ...(read === undefined ? {} : { value: read as Buffer | Buffer[] | { tooLarge: number; limit: number } }) });
    });
  }
}
