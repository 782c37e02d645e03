import { expect } from "chai";
import { attributeBytes, attributeOf, fieldValueOf, sameAttribute, utf8 } from "../../../../domain/change-feed/item-values.js";

describe("domain/change-feed/item-values: what a change carries, as DynamoDB attributes", () => {
  it("each shape becomes its attribute: text, bytes, numbers, lists, sets, scored members, maps, booleans, null", () => {
    expect(attributeOf("a")).to.deep.equal({ S: "a" });
    expect(attributeOf({ base64: "/w==" })).to.deep.equal({ B: Buffer.from([0xff]) });
    expect(attributeOf({ number: "42" })).to.deep.equal({ N: "42" });
    expect(attributeOf({ list: ["a", { base64: "AA==" }] })).to.deep.equal({ L: [{ S: "a" }, { B: Buffer.from([0]) }] });
    expect(attributeOf({ stringSet: ["x"] })).to.deep.equal({ SS: ["x"] });
    expect(attributeOf({ binarySet: ["/w=="] })).to.deep.equal({ BS: [Buffer.from([0xff])] });
    // DynamoDB numbers hold no infinity: an infinite score is carried as text.
    expect(
      attributeOf({
        scored: [
          { member: "m", score: "1.5" },
          { member: "t", score: "-inf" },
        ],
      }),
    ).to.deep.equal({
      L: [{ M: { member: { S: "m" }, score: { N: "1.5" } } }, { M: { member: { S: "t" }, score: { S: "-inf" } } }],
    });
    expect(attributeOf({ map: { a: { bool: true }, b: { null: true } } })).to.deep.equal({ M: { a: { BOOL: true }, b: { NULL: true } } });
  });

  it("compares attributes as DynamoDB returns them: numbers by value, sets in any order, bytes exactly", () => {
    expect(sameAttribute({ N: "1.50" }, { N: "1.5" })).to.equal(true);
    expect(sameAttribute({ SS: ["a", "b"] }, { SS: ["b", "a"] })).to.equal(true);
    expect(sameAttribute({ SS: ["a"] }, { SS: ["a", "b"] })).to.equal(false);
    expect(sameAttribute({ B: Buffer.from([1]) }, { B: new Uint8Array([1]) })).to.equal(true);
    expect(sameAttribute({ L: [{ S: "a" }] }, { L: [{ S: "b" }] })).to.equal(false);
    expect(sameAttribute({ M: { a: { S: "1" } } }, { M: { a: { S: "1" }, b: { S: "2" } } })).to.equal(false);
    expect(sameAttribute({ S: "a" }, { B: Buffer.from("a") })).to.equal(false);
  });

  it("sizes an attribute as DynamoDB counts it, collections summed; UTF-8 is told from bytes that are not", () => {
    expect(attributeBytes({ S: "abc" })).to.equal(3);
    expect(attributeBytes({ L: [{ S: "ab" }, { S: "c" }] })).to.equal(3 + 3 + 2);
    expect(utf8(Buffer.from("€"))).to.equal("€");
    expect(utf8(Buffer.from([0xff]))).to.equal(undefined);
    expect(fieldValueOf(Buffer.from([0xc3, 0x28]))).to.deep.equal({ base64: "wyg=" });
  });
});
