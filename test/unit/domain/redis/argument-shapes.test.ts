import { expect } from "chai";
import { isOption, minimum, pairedLists, startTokens } from "../../../../domain/redis/argument-shapes.js";
import type { ArgumentDoc } from "../../../../domain/redis/command-docs.js";

const arg = (a: Partial<ArgumentDoc>): ArgumentDoc => ({ name: "x", type: "string", flags: [], arguments: [], ...a });

describe("domain/redis/argument-shapes: what a documented argument begins with and takes", () => {
  const limit = arg({
    name: "limit",
    type: "block",
    token: "LIMIT",
    arguments: [arg({ name: "offset", type: "integer" }), arg({ name: "count", type: "integer" })],
  });
  const unit = arg({
    name: "unit",
    type: "oneof",
    arguments: [arg({ name: "m", type: "pure-token", token: "M" }), arg({ name: "km", type: "pure-token", token: "KM" })],
  });

  it("start tokens: a token, the union of a oneof's, none for a plain value", () => {
    expect([...startTokens(limit)!]).to.deep.equal(["LIMIT"]);
    expect([...startTokens(unit)!].sort()).to.deep.equal(["KM", "M"]);
    expect(startTokens(arg({ type: "key" }))).to.equal(null);
  });

  it("minimum arguments: a token-led block counts its token and its required parts", () => {
    expect(minimum(limit)).to.equal(3);
    expect(minimum(unit)).to.equal(1);
  });

  it("a required choice among bare tokens is read in place, not as an option; an optional one is an option", () => {
    expect(isOption(limit)).to.equal(true);
    expect(isOption(unit)).to.equal(false);
    expect(isOption({ ...unit, flags: ["optional"] })).to.equal(true);
  });

  it("paired lists: a block of two required multiple lists (STREAMS key... id...)", () => {
    const streams = arg({ type: "block", arguments: [arg({ name: "key", type: "key", flags: ["multiple"] }), arg({ name: "id", flags: ["multiple"] })] });
    expect(pairedLists(streams)).to.equal(true);
    expect(pairedLists(limit)).to.equal(false);
  });
});
