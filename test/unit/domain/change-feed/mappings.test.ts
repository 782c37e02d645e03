import { expect } from "chai";
import { readFileSync } from "node:fs";
import { MappingError, parseMapping, parseMappingFile } from "../../../../domain/change-feed/mappings.js";

describe("domain/change-feed/mappings: patterns, partition keys and changes (bad input names the field)", () => {
  it("compiles placeholders and prefixes", () => {
    const m = parseMapping({ name: "orders", pattern: "order:{orderId}", table: "orders" });
    expect(m).to.include({ partitionKey: "orderId", scanPattern: "order:*", format: "attributes" });
    expect(parseMapping({ name: "people", pattern: "person*", table: "people" })).to.include({ partitionKey: "id", scanPattern: "person*" });
  });
  for (const [raw, message] of [
    [{ name: "x", pattern: "a:{id}", table: "t!" }, /mapping "x": field "table" must be a DynamoDB table name/],
    [{ name: "x", pattern: "a:{id}:{other}", table: "ttt" }, /field "pattern" has 2 placeholders/],
    [{ name: "x", pattern: "", table: "ttt" }, /field "pattern" must be a non-empty key pattern/],
    [{ name: "x", pattern: "a*", table: "ttt", format: "xml" }, /field "format" must be "attributes" or "envelope"/],
    [{ name: "x", pattern: "a*", table: "ttt", lamda: "f" }, /field "lamda" is not a mapping field/],
    [{ pattern: "a*", table: "ttt" }, /field "name" must be/],
    [{ name: "x", pattern: "changefeed:*", table: "ttt" }, /must not cover the listener's own keys/],
  ] as [unknown, RegExp][]) {
    it(`refuses ${JSON.stringify(raw).slice(0, 60)}`, () => {
      expect(() => parseMapping(raw)).to.throw(MappingError, message);
    });
  }
  it("refuses a file with duplicate names or bad JSON", () => {
    expect(() => parseMappingFile('{"mappings":[{"name":"a","pattern":"a*","table":"ttt"},{"name":"a","pattern":"b*","table":"ttt"}]}')).to.throw(
      /field "name" is used twice/,
    );
    expect(() => parseMappingFile("{")).to.throw(/not valid JSON/);
    expect(() => parseMappingFile("[]")).to.throw(/"mappings" list/);
  });
  it("the default local mapping file is valid", () => {
    expect(parseMappingFile(readFileSync("local/mappings.json", "utf8")).map((m) => m.name)).to.include("people");
  });
});

describe("domain/change-feed/mappings: the types a mapping takes", () => {
  it("every type by default; `types` narrows it to the engine's TYPE names; `numbers` is a flag", () => {
    expect(parseMapping({ name: "m", pattern: "p:*", table: "ttt" }).types).to.equal(undefined);
    expect(parseMapping({ name: "m", pattern: "p:*", table: "ttt", types: ["hash", "zset"] }).types).to.deep.equal(["hash", "zset"]);
    expect(() => parseMapping({ name: "m", pattern: "p:*", table: "ttt", types: ["sorted-set"] })).to.throw(
      'mapping "m": field "types" must be a non-empty list of hash, string, list, set, zset, ReJSON-RL, stream',
    );
    expect(() => parseMapping({ name: "m", pattern: "p:*", table: "ttt", types: [] })).to.throw('field "types"');
    expect(() => parseMapping({ name: "m", pattern: "p:*", table: "ttt", numbers: "yes" })).to.throw('field "numbers" must be true or false');
  });
});
