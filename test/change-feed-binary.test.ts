import { expect } from "chai";
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { writeChanges, writeRequestOf } from "../domain/change-feed/writer.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { reconcile } from "../domain/change-feed/reconcile.js";
import { RoutingSink } from "../domain/change-feed/sinks.js";
import { differences, withListener } from "./harness/change-feed.js";
import { eventually } from "./harness/eventually.js";
import { startSinks, type Sinks } from "./harness/sinks.js";

describe("change feed: binary-safe capture (through the writer Lambda's JSON payload)", function () {
  this.timeout(60_000);
  let sinks: Sinks;
  let dynamo: DynamoDBClient;
  before(async () => {
    sinks = await startSinks(["people"], (d) => ({ "change-writer": (event) => writeChanges(d, writeRequestOf(event, new Set(["people"]))) }));
    dynamo = sinks.dynamo;
  });
  after(() => sinks.stop());

  const item = async (id: string) => (await dynamo.send(new GetItemCommand({ TableName: "people", Key: { id: { S: id } }, ConsistentRead: true }))).Item;

  it("values that are not UTF-8 arrive byte for byte as binary attributes; odd names stay exact; what cannot be carried is dead-lettered with the reason", async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x0a]);
    const sink = new RoutingSink(dynamo, sinks.lambda);
    const mapping = parseMapping({ name: "people", pattern: "person:{id}", table: "people", lambda: "change-writer" });
    await withListener({ sink, dynamo, mappings: [mapping] }, async ({ client }) => {
      await client.hset("person:bin", "photo", bytes, "name", "Zoë", "constructor", "c", "hasOwnProperty", "h");
      await client.hset("person:proto", "__proto__", "x", "ok", "1");
      await client.call("HSET", "person:badname", Buffer.from([0xc3, 0x28]), "v");
      const stored = await eventually(
        "person:bin",
        () => item("bin"),
        (i) => i !== undefined,
      );
      expect(Buffer.from(stored!.photo.B!).equals(bytes)).to.equal(true);
      expect(stored).to.deep.include({ name: { S: "Zoë" }, constructor: { S: "c" }, hasOwnProperty: { S: "h" } });
      const letters = await eventually(
        "two dead letters",
        () => client.xrange("changefeed:dead-letter", "-", "+"),
        (l) => l.length >= 2,
      );
      const reasons = Object.fromEntries(letters.map(([, f]) => [f[1], f[5]]));
      expect(reasons["person:proto"]).to.equal('hash field "__proto__" cannot be carried: the AWS SDK for JavaScript drops it');
      expect(reasons["person:badname"]).to.equal("key person:badname: hash field 0xc328 is not valid UTF-8 and cannot name an attribute");
      const report = await reconcile(client, dynamo, mapping);
      expect(report.stale).to.deep.equal([]);
      // The writer refuses __proto__ (missing); the feed cannot carry a field name that is not UTF-8 at all (refused, apart).
      expect(report.missing).to.deep.equal(["person:proto"]);
      expect(report.refused).to.deep.equal(["key person:badname: hash field 0xc328 is not valid UTF-8 and cannot name an attribute"]);
      expect(differences(report)).to.equal(1);
    });
  });
});
