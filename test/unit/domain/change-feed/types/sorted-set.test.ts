import { expect } from "chai";
import { sortedSetType } from "../../../../../domain/change-feed/types/sorted-set.js";
import { parseMapping } from "../../../../../domain/change-feed/mappings.js";

describe("domain/change-feed/types/sorted-set: members with their scores, in score order", () => {
  it("equal scores never collide; the order is ZRANGE's", () => {
    const flat = ["a", "1", "b", "1", "c", "inf"].map((s) => Buffer.from(s));
    expect(sortedSetType.attributes(flat, parseMapping({ name: "m", pattern: "p:*", table: "ttt" }))).to.deep.equal({
      value: {
        scored: [
          { member: "a", score: "1" },
          { member: "b", score: "1" },
          { member: "c", score: "inf" },
        ],
      },
    });
  });
});
