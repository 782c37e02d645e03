import { expect } from "chai";
import { chunksOf, compareEntryIds, keysOf, type Entry } from "../../../../../domain/change-feed/capture/journal-entries.js";

const entry = (id: string, keys: string[], origin = "k"): Entry => [id, ["by", "a", ...keys.flatMap((k) => [origin, k])]];

describe("domain/change-feed/capture/journal-entries: what an entry holds and how entries make deliveries", () => {
  it("an entry's keys are its k (notified) and r (rescanned) fields, not who journaled it; a removed entry has none", () => {
    expect(keysOf(["by", "listener-1", "k", "person:1", "r", "person:2"])).to.deep.equal(["person:1", "person:2"]);
    expect(keysOf(["by", "k"])).to.deep.equal([]);
    expect(keysOf(null)).to.deep.equal([]);
  });

  it("entries go in deliveries of at most the batch's keys, in order, never splitting one", () => {
    const entries = [
      entry("1-0", ["a", "b", "c"]),
      entry("2-0", ["d", "e"]),
      entry("3-0", ["f"], "r"),
      ["4-0", null] as Entry,
      entry("5-0", ["g", "h", "i", "j"]),
    ];
    expect(chunksOf(entries, 5).map((c) => c.map(([id]) => id))).to.deep.equal([
      ["1-0", "2-0"],
      ["3-0", "4-0", "5-0"],
    ]);
    // An entry larger than the batch still goes, alone.
    expect(chunksOf([entry("1-0", ["a", "b", "c"])], 2).map((c) => c.length)).to.deep.equal([1]);
    expect(chunksOf([], 5)).to.deep.equal([]);
  });

  it("orders entry ids by time, then sequence", () => {
    expect(compareEntryIds("1700000000000-5", "1700000000000-12")).to.be.below(0);
    expect(compareEntryIds("1700000000001-0", "1700000000000-99")).to.be.above(0);
    expect(compareEntryIds("5-1", "5-1")).to.equal(0);
  });
});
