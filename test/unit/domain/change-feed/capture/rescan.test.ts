import { expect } from "chai";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import type { Redis } from "ioredis";
import { Rescanner } from "../../../../../domain/change-feed/capture/rescan.js";
import { parseMapping } from "../../../../../domain/change-feed/mappings.js";
import { sqlTable } from "../sql-table.js";

const people = parseMapping({ name: "people", pattern: "person:*", table: "people" });

/** SCAN over `keys` in pages of two; EXISTS from the same set; `failScans` SCANs fail first. */
function redisWith(keys: string[], failScans = 0) {
  let failures = failScans;
  return {
    scan: async (cursor: string) => {
      if (failures-- > 0) throw new Error("LOADING Redis is loading the dataset in memory");
      const at = Number(cursor);
      const next = at + 2 >= keys.length ? "0" : String(at + 2);
      return [next, keys.slice(at, at + 2)];
    },
    exists: async (key: string) => (keys.includes(key) ? 1 : 0),
  } as unknown as Redis;
}

describe("domain/change-feed/capture/rescan: what a subscriber did not hear, found again and journaled", () => {
  it("journals every covered key on every page; with deletes, the table's live items whose key is gone", async () => {
    const dynamo = new DynamoDBClient({ region: "us-east-1" });
    mockClient(dynamo)
      .on(ScanCommand)
      .resolves({ Items: [{ id: { S: "person:1" } }, { id: { S: "person:9" } }, { id: { S: "person:8" }, _deleted: { BOOL: true } }] });
    const queued: string[] = [];
    const done: [string, number, boolean][] = [];
    const rescanner = new Rescanner(
      redisWith(["person:1", "person:2", "person:3"]),
      { dynamo },
      (keys) => queued.push(...keys),
      () => true,
      () => new Promise(() => {}),
      { done: (m, n, d) => done.push([m, n, d]), failed: () => {} },
    );
    rescanner.request([people], true);
    await rescanner.idle();
    expect(queued).to.deep.equal(["person:1", "person:2", "person:3", "person:9"]);
    expect(done).to.deep.equal([["people", 4, true]]);
    expect(rescanner.status()).to.deep.equal({ pending: [], failures: 0, lastError: null });
  });

  it("with deletes, a SQL table's live rows whose key is gone are journaled too", async () => {
    const pg = parseMapping({ name: "pg", pattern: "person:{id}", destination: "postgres", table: "people", columns: { name: "text" } });
    const { dialect } = sqlTable([{ id: "1" }, { id: "7" }, { id: "8", _deleted: true }]);
    const queued: string[] = [];
    const rescanner = new Rescanner(
      redisWith(["person:1"]),
      { sql: { postgres: dialect } },
      (keys) => queued.push(...keys),
      () => true,
      () => new Promise(() => {}),
      { done: () => {}, failed: () => {} },
    );
    rescanner.request([pg], true);
    await rescanner.idle();
    expect(queued).to.deep.equal(["person:1", "person:7"]);
  });

  it("a rescan that fails stays pending and is tried again until it completes, never dropped", async () => {
    const failed: string[] = [];
    const queued: string[] = [];
    const rescanner = new Rescanner(
      redisWith(["person:1"], 2),
      {},
      (keys) => queued.push(...keys),
      () => true,
      () => new Promise(() => {}),
      { done: () => {}, failed: (m) => failed.push(m) },
    );
    rescanner.request([people], false);
    await rescanner.idle();
    expect(failed).to.deep.equal(["people", "people"]);
    expect(queued).to.deep.equal(["person:1"]);
    expect(rescanner.status().pending).to.deep.equal([]);
  });
});
