import { expect } from "chai";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { writeChanges } from "../domain/change-feed/writer.js";
import { createTable, localDynamo } from "../local/aws/aws-clients.js";
import { startDynamo, type HttpService } from "../local/launcher/services.js";
import { liveItem } from "./harness/dynamo.js";

describe("change feed: the writer's conditional, versioned writes (dynalite)", () => {
  let dynamoService: HttpService;
  let dynamo: DynamoDBClient;
  before(async () => {
    dynamoService = await startDynamo();
    dynamo = localDynamo(dynamoService.endpoint);
    await createTable(dynamo, "order-test", "id");
  });
  after(async () => {
    dynamo.destroy();
    await dynamoService.stop();
  });
  const change = (version: number, attributes?: Record<string, string>) => ({ key: "k1", partitionKey: { name: "id", value: "k1" }, version, attributes });

  it("out-of-order batches never leave an older value", async () => {
    await writeChanges(dynamo, { table: "order-test", changes: [change(20, { v: "new" })] });
    const late = await writeChanges(dynamo, { table: "order-test", changes: [change(10, { v: "old" })] });
    expect(late).to.include({ written: 0, skipped: 1 });
    expect(await liveItem(dynamo, "order-test", { id: "k1" })).to.deep.equal({ id: "k1", v: "new" });
  });

  it("a delete is a versioned tombstone: a late older snapshot cannot resurrect the item", async () => {
    await writeChanges(dynamo, { table: "order-test", changes: [change(30)] });
    await writeChanges(dynamo, { table: "order-test", changes: [change(25, { v: "zombie" })] });
    expect(await liveItem(dynamo, "order-test", { id: "k1" })).to.equal(undefined);
    await writeChanges(dynamo, { table: "order-test", changes: [change(40, { v: "reborn" })] });
    expect(await liveItem(dynamo, "order-test", { id: "k1" })).to.deep.equal({ id: "k1", v: "reborn" });
  });

  it("keeps only the newest snapshot of a key within one batch, in any order", async () => {
    const result = await writeChanges(dynamo, { table: "order-test", changes: [change(60, { v: "c" }), change(50, { v: "b" }), change(55, { v: "x" })] });
    expect(result).to.include({ written: 1, skipped: 2 });
    expect(await liveItem(dynamo, "order-test", { id: "k1" })).to.deep.equal({ id: "k1", v: "c" });
  });

  it("rejects items that can never be written, with the reason, and writes the rest", async () => {
    const result = await writeChanges(dynamo, {
      table: "order-test",
      changes: [
        { key: "big", partitionKey: { name: "id", value: "big" }, version: 1, attributes: { blob: "x".repeat(410 * 1024) } },
        { key: "empty", partitionKey: { name: "id", value: "" }, version: 1, attributes: { a: "1" } },
        { key: "clash", partitionKey: { name: "id", value: "clash" }, version: 1, attributes: { _v: "1" } },
        { key: "fine", partitionKey: { name: "id", value: "fine" }, version: 1, attributes: { a: "1" } },
      ],
    });
    expect(result.written).to.equal(1);
    expect(result.rejected.map((r) => `${r.key}: ${r.reason}`)).to.deep.equal([
      "big: item of 419853 bytes exceeds DynamoDB's 400 KB item limit",
      "empty: partition key id is empty",
      'clash: hash field "_v" collides with the item\'s reserved attribute',
    ]);
  });
});
