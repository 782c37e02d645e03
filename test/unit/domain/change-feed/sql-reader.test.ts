import { expect } from "chai";
import { parseMapping } from "../../../../domain/change-feed/mappings.js";
import { SqlReader } from "../../../../domain/change-feed/sql-reader.js";
import { sqlTable } from "./sql-table.js";

const people = parseMapping({ name: "people", pattern: "person:{id}", destination: "postgres", table: "people", columns: { name: "text" } });
const hash = (key: string, name: string) => ({ key, version: 0, type: "hash", value: [Buffer.from("name"), Buffer.from(name)] });

describe("domain/change-feed/sql-reader: a SQL table's live rows, by the Redis key they were copied from", () => {
  it("reads the whole table in key-ordered pages of 1,000, tombstones left out", async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => ({ id: String(i).padStart(4, "0"), name: `n${i}`, _deleted: i === 7 }));
    const { dialect, queries } = sqlTable(rows);
    const pages = [];
    for await (const page of new SqlReader(people, dialect).pages()) pages.push(page);
    expect(pages.map((p) => p.size)).to.deep.equal([1_000, 1_000, 499]);
    expect(pages[0].has("person:0007")).to.equal(false);
    expect(pages[0].get("person:0000")).to.deep.equal({ id: "0000", name: "n0" });
    // Each page starts after the last key of the one before: an index walk, never an OFFSET.
    expect(queries.map((q) => q.after)).to.deep.equal([undefined, "1000", "2000"]);
  });

  it("samples from beside a key sampled in Redis, wrapping to the first row; reads one key's row; compares as the sink writes", async () => {
    const { dialect, queries } = sqlTable([
      { id: "1", name: "Ada" },
      { id: "2", name: "Bob" },
      { id: "3", name: "Cy" },
    ]);
    const reader = new SqlReader(people, dialect);
    expect(await reader.sample(3, ["person:2"])).to.deep.equal(["person:3", "person:1", "person:2"]);
    expect(queries.slice(-2)).to.deep.equal([{ after: "2", limit: 3 }, { limit: 2 }]);
    expect(await reader.sample(2, [])).to.deep.equal(["person:1", "person:2"]);
    const row = await reader.entry("person:2");
    expect(row).to.deep.equal({ id: "2", name: "Bob" });
    expect(await reader.entry("person:9")).to.equal(undefined);
    expect(reader.same(hash("person:2", "Bob"), row)).to.equal(true);
    expect(reader.same(hash("person:2", "Robert"), row)).to.equal(false);
  });
});
