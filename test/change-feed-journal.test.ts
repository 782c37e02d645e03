import { expect } from "chai";
import type { Change } from "../domain/change-feed/writer.js";
import { compareEntryIds } from "../domain/change-feed/capture/listener.js";
import { RoutingSink } from "../domain/change-feed/sinks.js";
import { createTable, localDynamo } from "../local/aws/aws-clients.js";
import { startDynamo } from "../local/launcher/services.js";
import { confirmingSink, withListener } from "./harness/change-feed.js";
import { liveItem } from "./harness/dynamo.js";
import { eventually, gate } from "./harness/eventually.js";

describe("change feed: the journal's deliveries", function () {
  this.timeout(60_000);

  it("orders journal entry ids by time, then sequence", () => {
    expect(compareEntryIds("1700000000000-5", "1700000000000-12")).to.be.below(0);
    expect(compareEntryIds("1700000000001-0", "1700000000000-99")).to.be.above(0);
    expect(compareEntryIds("5-1", "5-1")).to.equal(0);
  });

  it("skips a journaled hint that a confirmed later snapshot already reflects, and delivers the rest", async () => {
    const delivered: Change[] = [];
    const held = gate();
    let entered = false;
    // The first delivery (its snapshot taken) waits until two more hints for the same key are in the journal.
    const sink = confirmingSink(async (changes) => {
      entered = true;
      if (delivered.length === 0) await held.passed;
      delivered.push(...changes);
    });
    await withListener({ sink, config: { batchSize: 1, deliveriesInFlight: 1 } }, async ({ client, listener }) => {
      await client.hset("person:a", "n", "1");
      await eventually(
        "the first delivery to reach the sink",
        async () => entered,
        (e) => e,
      );
      // One hint at a time: two writes in the same tick would be journaled as one entry.
      await client.hset("person:a", "n", "2");
      await eventually(
        "two hints in the journal",
        () => client.xlen("changefeed:journal"),
        (n) => n === 2,
      );
      await client.hset("person:a", "n", "3");
      await eventually(
        "three hints in the journal",
        () => client.xlen("changefeed:journal"),
        (n) => n === 3,
      );
      held.open();
      await eventually(
        "the journal to drain",
        () => client.xlen("changefeed:journal"),
        (n) => n === 0,
      );
      // Hint 2's snapshot (taken after hint 3 was journaled) already holds n=3: hint 3 needs no write.
      expect(delivered.map((c) => c.attributes?.n)).to.deep.equal(["1", "3"]);
      expect(listener.counters.coalesced).to.equal(1);
    });
  });

  it("writes the next delivery while the sink still holds one, and re-reads a failed one without losing it", async () => {
    const delivered: string[] = [];
    const held = gate();
    let failedOnce = false;
    let holding = false;
    const sink = confirmingSink(async (changes) => {
      const keys = changes.map((c) => c.key);
      if (keys.includes("person:a")) {
        holding = true;
        await held.passed;
      }
      if (keys.includes("person:b") && !failedOnce) {
        failedOnce = true;
        throw new Error("sink down for a moment");
      }
      delivered.push(...keys);
    });
    await withListener({ sink, config: { batchSize: 1 } }, async ({ client }) => {
      await client.hset("person:a", "n", "1");
      // person:a in the sink first: two writes in the same tick would be journaled as one entry, one delivery.
      await eventually(
        "person:a held in the sink",
        async () => holding,
        (h) => h,
      );
      await client.hset("person:c", "n", "1");
      // person:a is held in the sink; person:c is a second delivery that completes meanwhile.
      await eventually(
        "person:c delivered while person:a is held",
        async () => delivered,
        (d) => d.includes("person:c"),
      );
      expect(delivered).to.not.include("person:a");
      await client.hset("person:b", "n", "1");
      await eventually(
        "person:b's first attempt to fail",
        async () => failedOnce,
        (f) => f,
      );
      held.open();
      await eventually(
        "the journal to drain",
        () => client.xlen("changefeed:journal"),
        (n) => n === 0,
        10_000,
      );
      expect([...new Set(delivered)].sort()).to.deep.equal(["person:a", "person:b", "person:c"]);
      expect(await client.xpending("changefeed:journal", "changefeed")).to.deep.equal([0, null, null, null]);
    });
  });

  it("Redis Cluster: changes on every shard arrive", async () => {
    const dynamoService = await startDynamo();
    const dynamo = localDynamo(dynamoService.endpoint);
    try {
      await createTable(dynamo, "people", "id");
      await withListener({ sink: new RoutingSink(dynamo), dynamo, config: { rescanDeletes: true }, cluster: true }, async ({ client }) => {
        const ids = Array.from({ length: 60 }, (_, i) => String(i));
        for (const id of ids) await client.hset(`person:${id}`, "n", id);
        const perNode = await Promise.all(("nodes" in client ? client.nodes("master") : [client]).map((n) => n.keys("person:*")));
        expect(perNode.length).to.equal(3);
        expect(
          perNode.every((keys) => keys.length > 0),
          `keys per shard: ${perNode.map((k) => k.length)}`,
        ).to.equal(true);
        for (const id of ids)
          await eventually(
            `person:${id}`,
            () => liveItem(dynamo, "people", { id }),
            (i) => i?.n === id,
            10_000,
          );
      });
    } finally {
      dynamo.destroy();
      await dynamoService.stop();
    }
  });
});
