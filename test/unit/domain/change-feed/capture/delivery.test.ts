import { expect } from "chai";
import type { Redis } from "ioredis";
import { Delivery, newCounters } from "../../../../../domain/change-feed/capture/delivery.js";
import { FeedMetrics } from "../../../../../domain/change-feed/capture/feed-metrics.js";
import { SinkFailed } from "../../../../../domain/change-feed/errors.js";
import { parseMapping, type CompiledMapping } from "../../../../../domain/change-feed/mappings.js";
import type { ChangeSink } from "../../../../../domain/change-feed/sinks.js";
import type { Change } from "../../../../../domain/change-feed/writer.js";
import { memoryLogger } from "../../../../../domain/runtime/log.js";
import { PathMetrics } from "../../../../../domain/runtime/metrics.js";
import { scriptedSnapshots, type Keyspace } from "./fake-node.js";

/** A client with the snapshot script over an in-memory keyspace, and the dead-letter stream it is sent. */
function redisWith(keyspace: Keyspace) {
  const deadLetters: string[][] = [];
  const { client } = scriptedSnapshots(keyspace);
  Object.assign(client, { xadd: async (_key: string, _id: string, ...fields: string[]) => void deadLetters.push(fields) });
  return { client: client as Redis, deadLetters };
}

const deliveryOf = (client: Redis, sink: ChangeSink, counters: ReturnType<typeof newCounters>) =>
  new Delivery(client, sink, { deadLetterKey: "changefeed:deadletter" }, counters, memoryLogger(), new FeedMetrics(new PathMetrics("change-feed", () => {})));

const people = parseMapping({ name: "people", pattern: "person:*", table: "people", types: ["hash"] });
const everyone = parseMapping({ name: "everyone", pattern: "person:*", table: "audit" });
const hinted = (...keys: string[]) => new Map(keys.map((k) => [k, Date.now()]));

describe("domain/change-feed/capture/delivery: snapshots to each mapping's sink; what can never be written is dead-lettered", () => {
  it("one mapping's outage leaves its keys to retry and never holds up another mapping's writes", async () => {
    const { client } = redisWith({ "person:1": { name: "Ada" } });
    const written: [string, Change[]][] = [];
    const sink: ChangeSink = {
      write: async (mapping: CompiledMapping, changes: Change[]) => {
        if (mapping.table === "audit") throw new SinkFailed("throttled", { retryable: true });
        written.push([mapping.name, changes]);
        return { written: changes.length, skipped: 0, retried: 0, rejected: [] };
      },
    };
    const counters = newCounters();
    const delivery = deliveryOf(client, sink, counters);
    const { failed } = await delivery.deliver(hinted("person:1"), [people, everyone]);
    expect([...failed]).to.deep.equal(["person:1"]);
    expect(written.map(([m, c]) => [m, c[0].attributes])).to.deep.equal([["people", { name: "Ada" }]]);
    expect(counters.written).to.equal(1);
  });

  it("a hash replaced by a type its mapping does not take becomes a tombstone and a note; a refusal no retry fixes is dead-lettered after a few tries", async () => {
    const { client, deadLetters } = redisWith({ "person:2": "string" });
    let attempts = 0;
    const sink: ChangeSink = {
      write: async (mapping: CompiledMapping, changes: Change[]) => {
        if (mapping.table === "audit") {
          attempts++;
          throw new SinkFailed("ResourceNotFoundException: no such table", { retryable: false });
        }
        expect(changes[0].attributes).to.equal(undefined);
        return { written: 1, skipped: 0, retried: 0, rejected: [] };
      },
    };
    const counters = newCounters();
    const delivery = deliveryOf(client, sink, counters);
    const { failed } = await delivery.deliver(hinted("person:2"), [people, everyone]);
    expect(failed.size).to.equal(0);
    expect(attempts).to.equal(3);
    const reasons = deadLetters.map((fields) => fields[fields.indexOf("reason") + 1]);
    expect(reasons).to.include("key person:2 is a string, not one of mapping people's types (hash)");
    expect(reasons).to.include("the sink refused it: ResourceNotFoundException: no such table");
    expect(counters.deadLettered).to.equal(deadLetters.length);
  });
});
