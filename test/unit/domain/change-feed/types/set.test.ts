import { expect } from "chai";
import { setType } from "../../../../../domain/change-feed/types/set.js";
import { parseMapping } from "../../../../../domain/change-feed/mappings.js";

describe("domain/change-feed/types/set: a string set, or a binary set when any member is not UTF-8", () => {
  const mapping = parseMapping({ name: "m", pattern: "p:*", table: "ttt" });

  it("one kind per set: all text, or all bytes", () => {
    expect(setType.attributes([Buffer.from("b"), Buffer.from("a")], mapping)).to.deep.equal({ value: { stringSet: ["a", "b"] } });
    expect(setType.attributes([Buffer.from("a"), Buffer.from([0xff])], mapping)).to.deep.equal({ value: { binarySet: ["/w==", "YQ=="] } });
  });
});
