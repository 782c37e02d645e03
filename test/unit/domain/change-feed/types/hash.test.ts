import { expect } from "chai";
import { hashFields, hashType } from "../../../../../domain/change-feed/types/hash.js";
import { parseMapping } from "../../../../../domain/change-feed/mappings.js";

describe("domain/change-feed/types/hash: each field an attribute", () => {
  it("carries values exactly (binary as bytes) and refuses a field name that is not UTF-8", () => {
    const flat = [Buffer.from("name"), Buffer.from("Ada"), Buffer.from("raw"), Buffer.from([0xff])];
    expect(hashType.attributes(flat, parseMapping({ name: "m", pattern: "p:*", table: "ttt" }))).to.deep.equal({ name: "Ada", raw: { base64: "/w==" } });
    expect(hashFields([Buffer.from([0xff]), Buffer.from("x")])).to.match(/hash field 0xff is not valid UTF-8/);
  });
});
