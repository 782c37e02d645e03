import { expect } from "chai";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { writeChanges, writeRequestOf } from "../domain/change-feed/writer.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { RoutingSink } from "../domain/change-feed/sinks.js";
import { withListener } from "./harness/change-feed.js";
import { liveItem } from "./harness/dynamo.js";
import { eventually } from "./harness/eventually.js";
import { startSinks, type Sinks } from "./harness/sinks.js";

// Four mappings share one listener: people (healthy), orders (its table does not exist), audit (its writer
// may only write elsewhere), and notes (its writer is down for a while). Only people's path is healthy.
describe("change feed: one failing mapping never stalls the others", function () {
  this.timeout(60_000);
  let sinks: Sinks;
  let dynamo: DynamoDBClient;
  let notesDown = true;
  const mappings = [
    parseMapping({ name: "people", pattern: "person:{id}", table: "people", lambda: "change-writer" }),
    parseMapping({ name: "orders", pattern: "order:{id}", table: "orders-missing" }),
    parseMapping({ name: "audit", pattern: "audit:{id}", table: "audit", lambda: "change-writer" }),
    parseMapping({ name: "notes", pattern: "note:{id}", table: "notes", lambda: "notes-writer" }),
  ];

  before(async () => {
    sinks = await startSinks(["people", "audit", "notes"], (d) => ({
      "change-writer": (event) => writeChanges(d, writeRequestOf(event, new Set(["people"]))),
      "notes-writer": async (event) => {
        if (notesDown) throw new Error("notes writer is down (test)");
        return writeChanges(d, writeRequestOf(event, new Set(["notes"])));
      },
    }));
    dynamo = sinks.dynamo;
  });
  after(() => sinks.stop());

  it("a mapping whose table is missing is refused when it loads, one whose writer refuses is dead-lettered per key with the reason, a down one catches up later, and the healthy one keeps flowing", async () => {
    const sink = new RoutingSink(dynamo, sinks.lambda);
    await withListener({ sink, dynamo, mappings, config: { batchSize: 40 } }, async ({ client, listener }) => {
      for (let round = 0; round < 3; round++) {
        const pipeline = client.pipeline();
        for (let i = 0; i < 20; i++) {
          for (const prefix of ["person", "order", "audit", "note"]) pipeline.hset(`${prefix}:${round}-${i}`, "round", String(round));
        }
        await pipeline.exec();
        // People arrive while the others fail, round after round.
        await eventually(
          `people of round ${round}`,
          () => liveItem(dynamo, "people", { id: `${round}-19` }),
          (i) => i?.round === String(round),
          20_000,
        );
      }
      // At least once: a key may be dead-lettered twice (a delivery retried), never missed.
      type Letters = Awaited<ReturnType<typeof client.xrange>>;
      const keysIn = (l: Letters, name: string) => new Set(l.filter(([, f]) => f[3] === name).map(([, f]) => f[1]));
      const letters = await eventually(
        "every audit key dead-lettered",
        () => client.xrange("changefeed:dead-letter", "-", "+"),
        (l) => keysIn(l, "audit").size >= 60,
        45_000,
      );
      const keysOf = (name: string) => keysIn(letters, name);
      const byMapping = (name: string) => letters.filter(([, f]) => f[3] === name).map(([, f]) => f[5]);
      // A mapping whose table is missing is refused when it loads, with the reason where redis-cli reads it: none of its keys is journaled.
      expect(await client.hget("changefeed:mappings-refused", "orders")).to.equal('mapping "orders": table "orders-missing" does not exist');
      expect(keysOf("orders").size).to.equal(0);
      expect(keysOf("audit").size).to.equal(60);
      expect(byMapping("audit")[0]).to.equal("the sink refused it: change-writer failed: TableNotAllowed: table audit is not one this function writes to");
      expect(byMapping("notes")).to.deep.equal([]);
      // The notes writer comes back: its pending changes arrive, nothing of them lost.
      notesDown = false;
      await eventually(
        "notes after recovery",
        () => liveItem(dynamo, "notes", { id: "2-19" }),
        (i) => i !== undefined,
        20_000,
      );
      await eventually(
        "the journal to drain",
        () => client.xpending("changefeed:journal", "changefeed"),
        (p) => p[0] === 0,
        20_000,
      );
      // The audit keys only: the refused mapping's keys were never journaled.
      expect(listener.counters.deadLettered).to.be.at.least(60);
    });
  });

  it("a change over the Lambda request limit (6 MB) is dead-lettered with the reason, not retried forever", async () => {
    const sink = new RoutingSink(dynamo, sinks.lambda);
    await withListener({ sink, dynamo, mappings: [mappings[0]] }, async ({ client }) => {
      await client.hset("person:huge", "blob", "x".repeat(6 * 1024 * 1024));
      await client.hset("person:small", "ok", "1");
      const [[, fields]] = await eventually(
        "a dead letter",
        () => client.xrange("changefeed:dead-letter", "-", "+"),
        (l) => l.length === 1,
        10_000,
      );
      expect(fields[5]).to.match(/^change of \d+ bytes exceeds the writer's request payload limit \(Lambda: 6 MB\)$/);
      await eventually(
        "person:small",
        () => liveItem(dynamo, "people", { id: "small" }),
        (i) => i !== undefined,
      );
    });
  });
});
