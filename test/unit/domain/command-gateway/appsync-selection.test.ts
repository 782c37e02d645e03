import { expect } from "chai";
import { fixedSelections, replyCopies } from "../../../../domain/command-gateway/appsync-selection.js";

describe("domain/command-gateway/appsync-selection: how many times the response repeats a reply", () => {
  it("once per selection of value, aliases and fragments included; strings and comments select nothing", () => {
    expect(replyCopies(undefined)).to.equal(1);
    expect(replyCopies("{ type error }")).to.equal(1);
    expect(replyCopies("{ value a: value b: value }")).to.equal(3);
    expect(replyCopies('{ value # value\n x: type @include(if: "value") }')).to.equal(1);
    expect(replyCopies("{ ...F }\nfragment F on Reply { value again: value }")).to.equal(2);
  });

  it("every other selection counts too, however aliased: type, error and __typename", () => {
    expect(fixedSelections(undefined)).to.equal(0);
    expect(fixedSelections("{ type value error }")).to.equal(2);
    expect(fixedSelections("{ a: type b: type c: __typename d: error value }")).to.equal(4);
    expect(fixedSelections('{ value # type\n x: value @include(if: "type") }')).to.equal(0);
  });
});
