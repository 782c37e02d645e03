import { expect } from "chai";
import type { Redis } from "ioredis";
import { describeMapping, mappingChanges, maxMappingsBytes, readMappingsHash } from "../../../../domain/change-feed/mapping-source.js";
import { MappingError, parseMapping } from "../../../../domain/change-feed/mappings.js";

const hashOf = (fields: Record<string, string>, bytes = 1_000) => ({ call: async () => bytes, hgetall: async () => fields }) as unknown as Redis;
const people = { name: "people", pattern: "person:*", table: "people" };

describe("domain/change-feed/mapping-source: the run-time mappings hash, bounded and parsed entry by entry", () => {
  it("a bad entry is refused with its reason and the good ones are kept", async () => {
    const read = await readMappingsHash(
      hashOf({ people: JSON.stringify(people), broken: "{", renamed: JSON.stringify({ ...people, name: "other" }) }),
      "changefeed:mappings",
      {},
    );
    expect(read.mappings.map((m) => m.name)).to.deep.equal(["people"]);
    expect(read.refused.get("broken")).to.match(/JSON/);
    expect(read.refused.get("renamed")).to.equal('mapping "renamed": field "name" is "other", not the hash field\'s name');
  });

  it("a hash too large to read is refused before it is read: the mappings in use stay", async () => {
    await readMappingsHash(hashOf({}, maxMappingsBytes + 1), "changefeed:mappings", {}).then(
      () => expect.fail("resolved"),
      (e: Error) => {
        expect(e).to.be.instanceOf(MappingError);
        expect(e.message).to.match(/over the limit of 262144: not reloaded, the mappings in use stay/);
      },
    );
  });

  it("a reload logs what changed: added, removed and changed by name", () => {
    const before = [parseMapping(people), parseMapping({ name: "orders", pattern: "order:*", table: "orders" })];
    const after = [parseMapping({ ...people, table: "people-v2" }), parseMapping({ name: "carts", pattern: "cart:*", table: "carts" })];
    const changes = mappingChanges(before, after);
    expect([changes.added.map((m) => m.name), changes.removed, changes.changed.map(describeMapping)]).to.deep.equal([
      ["carts"],
      ["orders"],
      ["people: person:* -> dynamodb:people-v2"],
    ]);
  });
});
