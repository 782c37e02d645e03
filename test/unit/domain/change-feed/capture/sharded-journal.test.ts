import { expect } from "chai";
import { ShardedJournal, type ShardedJournalEvents } from "../../../../../domain/change-feed/capture/sharded-journal.js";
import { fakeNode, type FakeNode } from "./fake-node.js";

const config = (consumer: string) => ({
  journalKey: "changefeed:journal",
  group: "changefeed",
  consumer,
  batchSize: 100,
  maxLatencyMs: 5,
  deliveriesInFlight: 2,
  claimIdleMs: 60_000,
  leaseMs: 60,
});

function listener(redis: FakeNode, consumer: string) {
  let changed = () => {};
  const events: ShardedJournalEvents = {
    coalesced: () => {},
    retryDelay: () => 0,
    error: () => {},
    lost: () => {},
    shardsChanged: () => changed(),
  };
  const journal = new ShardedJournal(
    redis.client,
    () => redis.client,
    config(consumer),
    async () => ({ failed: new Set() }),
    events,
  );
  const nextChange = () => new Promise<void>((resolve) => (changed = resolve));
  return { journal, nextChange };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("domain/change-feed/capture/sharded-journal: one listener at a time journals a shard, under its lease", () => {
  it("the holder journals the hints; a listener on standby journals none (the holder hears them too)", async () => {
    const redis = fakeNode();
    const a = listener(redis, "host-a");
    const b = listener(redis, "host-b");
    await a.journal.open();
    await b.journal.open();
    expect([a.journal.heldShards(), b.journal.heldShards()]).to.deep.equal([["0"], []]);
    expect(a.journal.capturesNode("10.0.0.1:6379")).to.equal(true);
    expect(b.journal.capturesNode("10.0.0.1:6379")).to.equal(false);
    a.journal.append(["person:1"]);
    b.journal.append(["person:2"]);
    await tick();
    expect(redis.appends).to.deep.equal([{ by: "host-a", keys: ["person:1"] }]);
    await a.journal.stop();
    await b.journal.stop();
  });

  it("a holder that stops gives its lease back; the standby takes the shard over in its next round, and says so", async () => {
    const redis = fakeNode();
    const a = listener(redis, "host-a");
    const b = listener(redis, "host-b");
    await a.journal.open();
    await b.journal.open();
    const takenOver = b.nextChange();
    const loops = b.journal.run();
    await a.journal.stop();
    expect(redis.leases.size).to.equal(0);
    await takenOver;
    expect(b.journal.heldShards()).to.deep.equal(["0"]);
    expect(redis.leases.get("changefeed:journal:lease")).to.equal("host-b");
    await b.journal.stop();
    await Promise.all(loops);
  });
});
