import { expect } from "chai";
import { classifyCommand } from "../../../../domain/command-gateway/classifier.js";
import { CommandRefused } from "../../../../domain/command-gateway/errors.js";
import { patternCost, patternLimits } from "../../../../domain/command-gateway/patterns.js";
import { policyOf, table } from "./fixtures.js";

describe("domain/command-gateway/patterns: a glob's length and shape are bounded, its cost grows with it", () => {
  it("plain patterns cost one match; stars and long patterns cost more; escapes are literal", () => {
    expect(patternCost("user:*")).to.deep.equal({ factor: 1 });
    expect(patternCost("*a*b*")).to.deep.equal({ factor: 3 });
    expect(patternCost("\\*\\[literal\\]")).to.deep.equal({ factor: 1 });
    expect(patternCost(`${"x".repeat(200)}*`)).to.deep.equal({ factor: 4 });
  });

  it("a long pattern, a long class, too many stars or classes are refused, naming the bound", () => {
    expect(patternCost("k".repeat(patternLimits.length + 1))).to.deep.equal({ refused: "a pattern of 257 bytes is over the limit of 256" });
    expect(patternCost(`*[${"a".repeat(50)}]z`)).to.deep.equal({ refused: "a pattern's class of 50 characters is over the limit of 32" });
    expect(patternCost("*".repeat(9))).to.deep.equal({ refused: "a pattern with 9 stars is over the limit of 8" });
    expect(patternCost("[a][b][c][d][e]")).to.deep.equal({ refused: "a pattern with 5 classes is over the limit of 4" });
    // An unclosed class runs to the end, as the engine reads it.
    expect(patternCost(`[${"a".repeat(40)}`)).to.deep.equal({ refused: "a pattern's class of 40 characters is over the limit of 32" });
  });

  it("the classifier refuses a bad pattern by its grammar and charges a costly one's walk to the request", () => {
    expect(() => classifyCommand(["SCAN", "0", "MATCH", `*[${"x".repeat(50_000)}]z`], table, policyOf())).to.throw(
      CommandRefused,
      /a pattern of 50004 bytes is over the limit of 256/,
    );
    const policy = policyOf({}, { maxWorkElements: 1_000 });
    classifyCommand(["SCAN", "0", "MATCH", "*a*b*c*d*", "COUNT", "100"], table, policy);
    // COUNT 100 plain, and four more matches' worth for five stars.
    expect(policy.allowance.workElements).to.equal(1_000 - 100 - 400);
  });
});
