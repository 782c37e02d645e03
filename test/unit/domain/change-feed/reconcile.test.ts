import { expect } from "chai";
import type { Redis } from "ioredis";
import { parseMapping } from "../../../../domain/change-feed/mappings.js";
import { reconcile } from "../../../../domain/change-feed/reconcile.js";
import type { Change } from "../../../../domain/change-feed/writer.js";
import { scriptedSnapshots } from "./capture/fake-node.js";
import { sqlTable } from "./sql-table.js";

/** SCAN and the snapshot script over an in-memory set of hashes. */
const redisWith = (hashes: Record<string, Record<string, string>>) =>
  Object.assign(scriptedSnapshots(hashes).client, { scan: async () => ["0", Object.keys(hashes)] }) as Redis;

describe("domain/change-feed/reconcile: Redis against the mapping's destination, whatever it is", () => {
  const people = parseMapping({ name: "people", pattern: "person:{id}", destination: "postgres", table: "people", columns: { name: "text" } });
  const redis = redisWith({ "person:1": { name: "Ada" }, "person:2": { name: "Bob" }, "person:3": { name: "Cy" } });
  const table = () =>
    sqlTable([
      { id: "1", name: "Ada" },
      { id: "2", name: "Robert" },
      { id: "4", name: "orphan" },
      { id: "5", name: "gone", _deleted: true },
    ]).dialect;

  it("reports a SQL table's missing, stale and orphaned rows (a tombstone is no row)", async () => {
    const report = await reconcile(redis, undefined as never, people, { sql: { postgres: table() } });
    expect(report).to.deep.include({ redisKeys: 3, items: 3, missing: ["person:3"], stale: ["person:2"], orphaned: ["person:4"], repaired: 0 });
  });

  it("repairs each with what Redis holds now, the orphan as a delete, at the version it is given", async () => {
    const written: Change[] = [];
    const sink = {
      write: async (_m: unknown, changes: Change[]) => (written.push(...changes), { written: changes.length, skipped: 0, retried: 0, rejected: [] }),
    };
    const report = await reconcile(redis, undefined as never, people, { sql: { postgres: table() }, repair: { sink, version: async () => 42 } });
    expect(report.repaired).to.equal(3);
    expect(written.map((c) => [c.key, c.version, c.attributes ?? null])).to.deep.equal([
      ["person:3", 42, { name: "Cy" }],
      ["person:2", 42, { name: "Bob" }],
      ["person:4", 42, null],
    ]);
  });

  it("a SQL mapping with no connection for its engine is refused by name", async () => {
    const error = await reconcile(redis, undefined as never, people).catch((e: Error) => e);
    expect(String(error)).to.include("mapping people writes to postgres, but no postgres connection was given");
  });
});
