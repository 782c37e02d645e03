import { expect } from "chai";
import { replyCopies } from "../../../../domain/command-gateway/appsync-selection.js";

describe("domain/command-gateway/appsync-selection: how many times the response repeats a reply", () => {
  it("once per selection of value, aliases and fragments included; strings and comments select nothing", () => {
    expect(replyCopies(undefined)).to.equal(1);
    expect(replyCopies("{ type error }")).to.equal(1);
    expect(replyCopies("{ value a: value b: value }")).to.equal(3);
    expect(replyCopies('{ value # value\n x: type @include(if: "value") }')).to.equal(1);
    expect(replyCopies("{ ...F }\nfragment F on Reply { value again: value }")).to.equal(2);
  });
});
