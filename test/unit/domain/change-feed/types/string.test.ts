import { expect } from "chai";
import { stringType } from "../../../../../domain/change-feed/types/string.js";
import { parseMapping } from "../../../../../domain/change-feed/mappings.js";

describe("domain/change-feed/types/string: one value attribute", () => {
  const plain = parseMapping({ name: "m", pattern: "p:*", table: "ttt" });
  const numbers = parseMapping({ name: "n", pattern: "n:*", table: "ttt", numbers: true });

  it("text stays text; bytes stay bytes; a plain decimal is a number only where the mapping says so", () => {
    expect(stringType.attributes(Buffer.from("42"), plain)).to.deep.equal({ value: "42" });
    expect(stringType.attributes(Buffer.from([0xff]), plain)).to.deep.equal({ value: { base64: "/w==" } });
    expect(stringType.attributes(Buffer.from("-4.25"), numbers)).to.deep.equal({ value: { number: "-4.25" } });
    // Leading zeros, exponents and text would not read back as they were written: text.
    for (const text of ["007", "1e3", "NaN", "12abc"]) expect(stringType.attributes(Buffer.from(text), numbers)).to.deep.equal({ value: text });
  });
});
