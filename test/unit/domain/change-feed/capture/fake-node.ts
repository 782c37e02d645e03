// One Redis node as the listener's engine uses it, in memory: hashes, lease keys and members, journal
// appends, and keyspace notifications to the subscribers made on it. The journal's reads answer as an
// empty stream does (XREADGROUP blocks its few milliseconds and returns nothing), so what a test sees
// of the journal is what was appended to it.
import type { Redis } from "ioredis";
import { EventEmitter } from "node:events";

/** A key's state: a hash's fields, a list's elements, or the name of a type whose value is not read (a stream); absent keys are gone. */
export type Keyspace = Record<string, Record<string, string> | string[] | string>;

/** The snapshot script's reply for `keys` (snapshots.ts): the server's time, then each key's type and value, as bytes. */
export const snapshotReply = (keyspace: Keyspace, keys: string[]): (Buffer | Buffer[] | null)[] => [
  Buffer.from("1700000000"),
  Buffer.from("5"),
  ...keys.flatMap((key) => {
    const value = keyspace[key];
    if (value === undefined) return [Buffer.from("none"), null];
    if (typeof value === "string") return [Buffer.from(value), null];
    if (Array.isArray(value)) return [Buffer.from("list"), value.map((v) => Buffer.from(v))];
    return [Buffer.from("hash"), Object.entries(value).flatMap(([f, v]) => [Buffer.from(f), Buffer.from(v)])];
  }),
];

/** A client whose snapshot script answers from `keyspace`; `calls` records each call's keys (the limits aside). */
export function scriptedSnapshots(keyspace: Keyspace, options: { failCallsOver?: number } = {}) {
  const calls: string[][] = [];
  const client = {
    defineCommand: () => {},
    changefeedSnapshotBuffer: async (first: string, _maxElements: number, _maxBytes: number, ...others: string[]) => {
      const keys = [first, ...others];
      calls.push(keys);
      if (options.failCallsOver !== undefined && keys.length > options.failCallsOver) throw new Error("MOVED 1234 10.0.0.2:6379");
      return snapshotReply(keyspace, keys);
    },
  };
  return { client: client as unknown as Redis, calls };
}

export interface FakeNode {
  client: Redis;
  /** Opens a subscriber on the node (the listener's `connect`). */
  connect: () => Redis;
  hashes: Map<string, Map<string, string>>;
  leases: Map<string, string>;
  appends: { by: string; keys: string[] }[];
  /** The subscribers made on the node, with the patterns each subscribed to. */
  subscribers: (EventEmitter & { patterns: string[] })[];
  /** Tells every subscriber that `key` changed by `event`, as a keyspace notification (none while `deaf`). */
  notify(event: string, key: string): void;
  /** A node whose subscribers hear nothing (one left on a demoted primary). */
  deaf: boolean;
}

export function fakeNode(): FakeNode {
  const hashes = new Map<string, Map<string, string>>();
  const leases = new Map<string, string>();
  const members = new Set<string>();
  const appends: { by: string; keys: string[] }[] = [];
  const subscribers: (EventEmitter & { patterns: string[] })[] = [];
  const options = { host: "10.0.0.1", port: 6379 };
  const notify = (event: string, key: string) => {
    if (node.deaf) return;
    for (const s of subscribers) s.emit("pmessage", "__keyevent@*__:*", `__keyevent@0__:${event}`, key);
  };
  const client = {
    options,
    defineCommand: () => {},
    call: async () => 100, // MEMORY USAGE of the mappings hash
    hset: async (key: string, ...fieldsAndValues: (string | number)[]) => {
      const hash = hashes.get(key) ?? new Map<string, string>();
      for (let i = 0; i < fieldsAndValues.length; i += 2) hash.set(String(fieldsAndValues[i]), String(fieldsAndValues[i + 1]));
      hashes.set(key, hash);
      notify("hset", key);
      return 1;
    },
    hgetall: async (key: string) => Object.fromEntries(hashes.get(key) ?? []),
    hkeys: async (key: string) => [...(hashes.get(key)?.keys() ?? [])],
    hdel: async (key: string, ...fields: string[]) => fields.filter((f) => hashes.get(key)?.delete(f)).length,
    del: async (key: string) => (hashes.delete(key), notify("del", key), 1),
    exists: async (key: string) => (hashes.has(key) ? 1 : 0),
    scan: async () => ["0", []],
    changefeedMembers: async (_key: string, holder: string) => (members.add(holder), members.size),
    changefeedRenewLease: async (key: string, holder: string) => (leases.get(key) === holder ? 1 : 0),
    changefeedReleaseLease: async (key: string, holder: string) => (leases.get(key) === holder ? (leases.delete(key), 1) : 0),
    set: async (key: string, holder: string) => (leases.has(key) ? null : (leases.set(key, holder), "OK")),
    xgroup: async () => "OK",
    xautoclaim: async () => ["0-0", []],
    xreadgroup: () => new Promise((resolve) => setTimeout(() => resolve(null), 5)),
    xadd: async (_key: string, _id: string, ...fields: string[]) => {
      appends.push({ by: fields[1], keys: fields.slice(2).filter((_, i) => i % 2 === 1) });
      return "1-0";
    },
    xlen: async () => 0,
    xrange: async () => [],
    disconnect: () => {},
  } as unknown as Redis;
  const connect = () => {
    const subscriber = Object.assign(new EventEmitter(), {
      patterns: [] as string[],
      options,
      status: "ready",
      psubscribe: async (pattern: string) => void subscriber.patterns.push(pattern),
      disconnect: () => void (subscriber.status = "end"),
    });
    subscribers.push(subscriber);
    return subscriber as unknown as Redis;
  };
  const node: FakeNode = { client, connect, hashes, leases, appends, subscribers, notify, deaf: false };
  return node;
}
