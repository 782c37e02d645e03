import { expect } from "chai";
import calculateSlot from "cluster-key-slot";
import type { Cluster, Redis } from "ioredis";
import { shardOfKey, shardsOf, tagOfSlot } from "../../../../../domain/change-feed/capture/shards.js";

/** What shards.ts reads of a cluster client: its slot map (slot -> [primary, ...replicas]). */
const clusterOf = (owners: [from: number, to: number, node: string][]) =>
  ({
    isCluster: true,
    slots: Array.from({ length: 16_384 }, (_, slot) => [owners.find(([from, to]) => slot >= from && slot <= to)![2]]),
  }) as unknown as Cluster;

describe("domain/change-feed/capture/shards: shards, their journals and lease keys", () => {
  it("a tag hashes to the slot it is made for", () => {
    for (const slot of [0, 1, 5_461, 10_923, 16_383]) expect(calculateSlot(tagOfSlot(slot))).to.equal(slot);
  });

  it("standalone: one shard, and the journal key it always had", () => {
    const client = { options: { host: "10.0.0.1", port: 6379 } } as unknown as Redis;
    expect(shardsOf(client, "changefeed:journal")).to.deep.equal([
      { name: "0", node: "10.0.0.1:6379", journalKey: "changefeed:journal", leaseKey: "changefeed:journal:lease" },
    ]);
    expect(shardOfKey(client, shardsOf(client, "changefeed:journal"), "person:1")?.name).to.equal("0");
  });

  it("a cluster: a shard per primary, named by its lowest slot, its journal and lease hash-tagged into its own slots", () => {
    const client = clusterOf([
      [0, 5_460, "a:1"],
      [5_461, 10_922, "b:1"],
      [10_923, 16_383, "c:1"],
    ]);
    const shards = shardsOf(client, "changefeed:journal");
    expect(shards.map((s) => [s.name, s.node])).to.deep.equal([
      ["0", "a:1"],
      ["5461", "b:1"],
      ["10923", "c:1"],
    ]);
    for (const shard of shards) {
      for (const key of [shard.journalKey, shard.leaseKey]) expect(client.slots[calculateSlot(key)][0], key).to.equal(shard.node);
      expect(shard.journalKey).to.match(/^changefeed:journal:\{\d+\}$/);
    }
    for (const key of ["person:1", "person:2", "{user}:x"]) expect(shardOfKey(client, shards, key)?.node).to.equal(client.slots[calculateSlot(key)][0]);
  });

  it("after a failover the shard keeps its name and keys: only its node changes", () => {
    const before = shardsOf(clusterOf([[0, 16_383, "old:1"]]), "j");
    const after = shardsOf(clusterOf([[0, 16_383, "new:1"]]), "j");
    expect(after.map(({ name, journalKey, leaseKey }) => ({ name, journalKey, leaseKey }))).to.deep.equal(
      before.map(({ name, journalKey, leaseKey }) => ({ name, journalKey, leaseKey })),
    );
    expect(after[0].node).to.equal("new:1");
  });
});
