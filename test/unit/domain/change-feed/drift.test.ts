import { expect } from "chai";
import { DynamoDBClient, GetItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import type { Redis } from "ioredis";
import { DriftSampler, defaultDriftConfig } from "../../../../domain/change-feed/drift.js";
import { parseMapping } from "../../../../domain/change-feed/mappings.js";
import { memoryLogger } from "../../../../domain/runtime/log.js";
import { scriptedSnapshots } from "./capture/fake-node.js";
import { sqlTable } from "./sql-table.js";

/** The calls the sampler makes of Redis, over an in-memory set of hashes. */
const redisWith = (hashes: Record<string, Record<string, string>>) =>
  Object.assign(scriptedSnapshots(hashes).client, {
    dbsize: async () => Object.keys(hashes).length,
    scan: async () => ["0", Object.keys(hashes)],
  }) as Redis;

describe("domain/change-feed/drift: a sample of Redis and DynamoDB compared, so a loss is seen", () => {
  const people = parseMapping({ name: "people", pattern: "person:*", table: "people" });

  it("counts an item that is missing, stale or orphaned; a matching one is fine", async () => {
    const dynamo = new DynamoDBClient({ region: "us-east-1" });
    const mock = mockClient(dynamo);
    // The item's key is the Redis key (the mapping names no partition key of its own).
    const items = {
      "person:1": { id: { S: "person:1" }, _v: { N: "1" }, name: { S: "Ada" } },
      "person:2": { id: { S: "person:2" }, _v: { N: "1" }, name: { S: "stale" } },
      "person:4": { id: { S: "person:4" }, _v: { N: "1" }, name: { S: "orphan" } },
    };
    mock.on(ScanCommand).resolves({ Items: Object.values(items) });
    for (const [id, item] of Object.entries(items)) mock.on(GetItemCommand, { Key: { id: { S: id } } }).resolves({ Item: item });
    mock.on(GetItemCommand, { Key: { id: { S: "person:3" } } }).resolves({});
    const redis = redisWith({ "person:1": { name: "Ada" }, "person:2": { name: "Bob" }, "person:3": { name: "Cy" } });
    const reports: unknown[] = [];
    const sampler = new DriftSampler(
      redis,
      { dynamo },
      () => [people],
      { ...defaultDriftConfig, settleMs: 0 },
      (r) => reports.push(r),
      memoryLogger(),
    );
    const [report] = await sampler.sampleAll();
    expect(report.sampled).to.equal(4);
    expect([...report.differing].sort()).to.deep.equal(["person:2", "person:3", "person:4"]);
    expect(reports).to.have.length(1);
  });

  it("samples a SQL table the same way: a stale, a missing and an orphaned row are counted", async () => {
    const pg = parseMapping({ name: "pg", pattern: "person:{id}", destination: "postgres", table: "people", columns: { name: "text" } });
    const { dialect } = sqlTable([
      { id: "1", name: "Ada" },
      { id: "2", name: "stale" },
      { id: "4", name: "orphan" },
    ]);
    const redis = redisWith({ "person:1": { name: "Ada" }, "person:2": { name: "Bob" }, "person:3": { name: "Cy" } });
    const sampler = new DriftSampler(
      redis,
      { sql: { postgres: dialect } },
      () => [pg],
      { ...defaultDriftConfig, settleMs: 0 },
      () => {},
      memoryLogger(),
    );
    const [report] = await sampler.sampleAll();
    expect(report.sampled).to.equal(4);
    expect([...report.differing].sort()).to.deep.equal(["person:2", "person:3", "person:4"]);
  });

  it("a mapping that cannot be sampled now is logged and skipped, never thrown", async () => {
    const dynamo = new DynamoDBClient({ region: "us-east-1" });
    mockClient(dynamo).on(ScanCommand).rejects(new Error("table is being created"));
    const log = memoryLogger();
    const sampler = new DriftSampler(
      redisWith({}),
      { dynamo },
      () => [people],
      defaultDriftConfig,
      () => {},
      log,
    );
    expect(await sampler.sampleAll()).to.deep.equal([]);
    expect(log.entries[0]).to.include({ message: "drift sample failed", mapping: "people" });
  });
});
