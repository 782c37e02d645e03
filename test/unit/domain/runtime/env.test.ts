import { expect } from "chai";
import { readEnvironment } from "../../../../domain/runtime/env.js";
import { ConfigError } from "../../../../domain/runtime/errors.js";

describe("domain/runtime/env: one reader for every function's settings", () => {
  const env = readEnvironment({ NAME: "x", EMPTY: "", N: "42", ZERO: "0", BAD: "4x", ON: "true", ODD: "yes", JSON: '{"a":"b"}', BROKEN: "{" });

  it("a required string is there or its absence says what it is for; empty counts as unset", () => {
    expect(env.string("NAME", "why")).to.equal("x");
    expect(() => env.string("EMPTY", "the writer needs it")).to.throw(ConfigError, "EMPTY is not set: the writer needs it");
    expect(env.optionalString("EMPTY")).to.equal(undefined);
  });

  it("whole numbers: the fallback when unset, 0 only when allowed, anything else named with its value", () => {
    expect(env.positiveInteger("N", 1)).to.equal(42);
    expect(env.positiveInteger("UNSET", 7)).to.equal(7);
    expect(env.positiveInteger("ZERO", 7, { zero: true })).to.equal(0);
    expect(() => env.positiveInteger("ZERO", 7)).to.throw(ConfigError, 'ZERO must be a whole number > 0, got "0"');
    expect(() => env.positiveInteger("BAD", 7)).to.throw(ConfigError, '"4x"');
  });

  it("flags are true or false, nothing else", () => {
    expect(env.flag("ON", false)).to.equal(true);
    expect(env.flag("UNSET", true)).to.equal(true);
    expect(() => env.flag("ODD", false)).to.throw(ConfigError, 'ODD must be true or false, got "yes"');
  });

  it("JSON is parsed and checked, and a failure shows an example", () => {
    const object = (v: unknown) => v as Record<string, string>;
    expect(env.json("JSON", {}, object, "{}")).to.deep.equal({ a: "b" });
    expect(() => env.json("BROKEN", {}, object, '{"k":"v"}')).to.throw(ConfigError, 'BROKEN must be JSON such as {"k":"v"}');
    expect(() =>
      env.json(
        "JSON",
        {},
        () => {
          throw new Error("not a list");
        },
        "[]",
      ),
    ).to.throw(ConfigError, "not a list");
  });
});
