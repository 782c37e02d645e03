import { expect } from "chai";
import { listType } from "../../../../../domain/change-feed/types/list.js";
import { parseMapping } from "../../../../../domain/change-feed/mappings.js";

describe("domain/change-feed/types/list: an ordered list attribute", () => {
  it("keeps order and duplicates; a binary element is bytes", () => {
    const value = [Buffer.from("b"), Buffer.from("a"), Buffer.from("b"), Buffer.from([0x80])];
    expect(listType.attributes(value, parseMapping({ name: "m", pattern: "p:*", table: "ttt" }))).to.deep.equal({
      value: { list: ["b", "a", "b", { base64: "gA==" }] },
    });
  });
});
