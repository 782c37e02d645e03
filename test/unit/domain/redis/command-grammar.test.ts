import { expect } from "chai";
import { GrammarError, parseArguments, remainingArguments } from "../../../../domain/redis/command-grammar.js";
import { table } from "../command-gateway/fixtures.js";

const doc = (name: string) => table.get(name)!.doc!;

describe("domain/redis/command-grammar: arguments read from the documented grammar, never guessed from positions", () => {
  it("finds keys, tokens and their values, options in any order", () => {
    const parse = parseArguments("set", doc("set"), ["SET", "k", "v", "GET", "EX", "10"], 1);
    expect(parse.keys.map((k) => k.value)).to.deep.equal(["k"]);
    expect(parse.has("GET")).to.equal(true);
    expect(parse.get("EX").map((v) => v.value)).to.deep.equal(["10"]);
    const zrange = parseArguments("zrange", doc("zrange"), ["ZRANGE", "z", "0", "10", "LIMIT", "0", "5", "BYSCORE"], 1);
    expect(zrange.get("count").map((v) => v.value)).to.deep.equal(["5"]);
  });

  it("a singleton option given twice is refused (the engine would apply the last, its key specs the first)", () => {
    expect(() => parseArguments("set", doc("set"), ["SET", "k", "v", "EX", "1", "PX", "2"], 1)).to.throw(GrammarError);
    expect(() => parseArguments("set", doc("set"), ["SET", "k", "v", "NX", "NX"], 1)).to.throw(GrammarError);
  });

  it("what does not fit is refused naming the command", () => {
    expect(() => parseArguments("lpush", doc("lpush"), ["LPUSH", "k"], 1)).to.throw(GrammarError, /lpush/i);
  });

  it("the console's hint: the documented arguments still to come", () => {
    expect(remainingArguments(doc("set"), ["k"]).map((a) => a.name)).to.include("value");
    expect(remainingArguments(doc("set"), ["k", "v"]).map((a) => a.name)).to.not.include("value");
  });
});
