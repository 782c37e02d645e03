import { expect } from "chai";
import { parseMapping } from "../../../../domain/change-feed/mappings.js";
import { expectedAttributes, sameAttributes } from "../../../../domain/change-feed/reconcile.js";

describe("domain/change-feed/reconcile: a hash against its item, as the writer would have written it", () => {
  const plain = parseMapping({ name: "people", pattern: "person:*", table: "people" });
  const envelope = parseMapping({ name: "docs", pattern: "doc:*", table: "docs", format: "envelope" });

  it("the expected attributes are the hash's fields, or the envelope the original design writes", () => {
    expect(expectedAttributes(plain, "person:1", { name: "Ada" })).to.deep.equal({ name: "Ada" });
    expect(expectedAttributes(envelope, "doc:1", { a: "1" })).to.deep.equal({ obj_name: "doc:1", body: '{"a":"1"}' });
    expect(expectedAttributes(plain, "person:1", "a field is not UTF-8")).to.deep.equal({});
  });

  it("an item matches when it carries exactly those attributes (its key and the writer's own aside), binary included", () => {
    const item = { id: { S: "1" }, _v: { N: "5" }, name: { S: "Ada" }, raw: { B: Buffer.from([0xff]) } };
    expect(sameAttributes({ name: "Ada", raw: { base64: "/w==" } }, item, plain)).to.equal(true);
    expect(sameAttributes({ name: "Ada" }, item, plain)).to.equal(false);
    expect(sameAttributes({ name: "Bob", raw: { base64: "/w==" } }, item, plain)).to.equal(false);
  });
});
