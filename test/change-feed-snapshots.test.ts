import { expect } from "chai";
import { Cluster, Redis } from "ioredis";
import { Snapshots } from "../domain/change-feed/capture/snapshots.js";
import { hashFields } from "../domain/change-feed/types/hash.js";
import { redisCommand, startCluster, startRedis, type RedisCluster, type RedisNode } from "../local/launcher/services.js";
import { Journal } from "../domain/change-feed/capture/journal.js";
import { defaultListenerConfig } from "../domain/change-feed/capture/listener.js";
import { eventually } from "./harness/eventually.js";

/** Calls of `command` a server has executed (scripts' inner calls included). */
async function callsOf(url: string, command: string): Promise<number> {
  const info = String(await redisCommand(url, "INFO", "commandstats"));
  return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(info)?.[1] ?? 0);
}

describe("change feed: snapshots and journal entries in batches (the Redis-side cost per change)", function () {
  this.timeout(120_000);

  describe("on one node", () => {
    let node: RedisNode;
    let client: Redis;
    before(async () => {
      node = await startRedis();
      client = new Redis(node.url);
    });
    after(async () => {
      client.disconnect();
      await node.stop();
    });

    it("reads a delivery's keys in one call with one clock: every type whole (bytes exact), and gone keys", async () => {
      await client.hset("person:1", "name", "Ada", "bytes", Buffer.from([0xff, 0x00, 0xfe]));
      await client.set("person:2", "a string");
      await client.rpush("person:3", "x");
      const keys = ["person:1", "person:2", "person:3", "person:gone"];
      const before = await callsOf(node.url, "evalsha");
      const snapshots = await new Snapshots(client).take(keys);
      expect(snapshots.map((s) => [s.key, s.type])).to.deep.equal([
        ["person:1", "hash"],
        ["person:2", "string"],
        ["person:3", "list"],
        ["person:gone", "none"],
      ]);
      expect(hashFields(snapshots[0].value as Buffer[])).to.deep.equal({ name: "Ada", bytes: { base64: Buffer.from([0xff, 0x00, 0xfe]).toString("base64") } });
      // Every type is read whole, as bytes; a gone key has no value.
      expect(snapshots.slice(1).map((s) => s.value)).to.deep.equal([Buffer.from("a string"), [Buffer.from("x")], undefined]);
      expect(new Set(snapshots.map((s) => s.version)).size, "one clock").to.equal(1);
      // One EVALSHA (the first call may load the script with EVAL instead).
      const calls = (await callsOf(node.url, "evalsha")) - before + (await callsOf(node.url, "eval"));
      expect(calls).to.equal(1);
    });

    it("a thousand keys take two calls of at most 500", async () => {
      const keys = Array.from({ length: 1_000 }, (_, i) => `k:${i}`);
      const snapshots = new Snapshots(client);
      await snapshots.take(keys.slice(0, 1));
      const before = await callsOf(node.url, "evalsha");
      expect((await snapshots.take(keys)).every((s) => s.type === "none")).to.equal(true);
      expect((await callsOf(node.url, "evalsha")) - before).to.equal(2);
    });

    it("hints of one tick are collapsed per key and journaled together, 50 keys to an entry", async () => {
      const journal = new Journal(
        client,
        () => client,
        { ...defaultListenerConfig, consumer: "test", journalKey: "journal:packing" },
        async () => ({ failed: new Set() }),
        {
          coalesced: () => {},
          retryDelay: () => 0,
          error: (what, error) => expect.fail(`${what}: ${error}`),
          lost: () => {},
        },
      );
      const before = await callsOf(node.url, "xadd");
      journal.append([...Array.from({ length: 120 }, (_, i) => `person:${i}`), ...Array.from({ length: 100 }, () => "person:7")]);
      await eventually(
        "three entries",
        () => client.xlen("journal:packing"),
        (n) => n === 3,
      );
      expect((await callsOf(node.url, "xadd")) - before).to.equal(3);
      const entries = await client.xrange("journal:packing", "-", "+");
      expect(entries.map(([, fields]) => fields.slice(0, 2))).to.deep.equal([
        ["by", "test"],
        ["by", "test"],
        ["by", "test"],
      ]);
      expect(entries.map(([, fields]) => fields.length / 2 - 1)).to.deep.equal([50, 50, 20]);
      expect(new Set(entries.flatMap(([, fields]) => fields.filter((_, i) => i % 2 === 1 && fields[i - 1] === "k"))).size).to.equal(120);
    });
  });

  describe("on a 3-shard cluster", () => {
    let cluster: RedisCluster;
    let client: Cluster;
    before(async () => {
      cluster = await startCluster({ primaries: 3 });
      client = new Cluster(cluster.startupNodes);
      await client.ping();
    });
    after(async () => {
      client.disconnect();
      await cluster.stop();
    });

    it("one call per node for keys of every slot, each answered by the node that holds it", async () => {
      const keys = Array.from({ length: 300 }, (_, i) => `person:${i}`);
      for (const key of keys) await client.hset(key, "n", key);
      const snapshots = new Snapshots(client);
      await snapshots.take(keys.slice(0, 1));
      // A node that has not seen the script yet answers NOSCRIPT and gets EVAL: both count (NOSCRIPT fails before it runs).
      const evalsha = () =>
        Promise.all(cluster.nodes.flatMap((n) => [callsOf(n.url, "evalsha"), callsOf(n.url, "eval")])).then((c) => c.reduce((a, b) => a + b, 0));
      const before = await evalsha();
      const taken = await snapshots.take(keys);
      expect(taken.map((s) => hashFields(s.value as Buffer[]))).to.deep.equal(keys.map((key) => ({ n: key })));
      expect((await evalsha()) - before).to.equal(3);
    });

    it("when the topology moved under a group, each key is read on its own and still answered by its node", async () => {
      const keys = Array.from({ length: 60 }, (_, i) => `moved:${i}`);
      for (const key of keys) await client.hset(key, "n", key);
      // A stale map, as right after a resharding or a failover: every slot on one node.
      const slots = client.slots as string[][];
      const stale = slots.map(() => [slots[0][0]]);
      slots.splice(0, slots.length, ...stale);
      const taken = await new Snapshots(client).take(keys);
      expect(taken.map((s) => hashFields(s.value as Buffer[]))).to.deep.equal(keys.map((key) => ({ n: key })));
    });
  });
});
