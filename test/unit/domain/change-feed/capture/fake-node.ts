// One Redis node as the listener's engine uses it, in memory: hashes, lease keys and members, journal
// appends, and keyspace notifications to the subscribers made on it. The journal's reads answer as an
// empty stream does (XREADGROUP blocks its few milliseconds and returns nothing), so what a test sees
// of the journal is what was appended to it.
import type { Redis } from "ioredis";
import { EventEmitter } from "node:events";

export interface FakeNode {
  client: Redis;
  /** Opens a subscriber on the node (the listener's `connect`). */
  connect: () => Redis;
  hashes: Map<string, Map<string, string>>;
  leases: Map<string, string>;
  appends: { by: string; keys: string[] }[];
  /** Tells every subscriber that `key` changed by `event`, as a keyspace notification. */
  notify(event: string, key: string): void;
}

export function fakeNode(): FakeNode {
  const hashes = new Map<string, Map<string, string>>();
  const leases = new Map<string, string>();
  const members = new Set<string>();
  const appends: { by: string; keys: string[] }[] = [];
  const subscribers: EventEmitter[] = [];
  const options = { host: "10.0.0.1", port: 6379 };
  const notify = (event: string, key: string) => {
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
      options,
      status: "ready",
      psubscribe: async () => 1,
      disconnect: () => void (subscriber.status = "end"),
    });
    subscribers.push(subscriber);
    return subscriber as unknown as Redis;
  };
  return { client, connect, hashes, leases, appends, notify };
}
