import { expect } from "chai";
import { classifyCommand } from "../../../../domain/command-gateway/classifier.js";
import { CommandRefused } from "../../../../domain/command-gateway/errors.js";
import { RedisReplyError } from "../../../../domain/redis/connector.js";
import { policyOf, table } from "./fixtures.js";

const settings = { maxReplyElements: 100, maxWorkElements: 1_000, maxOffsetBytes: 4_096, maxKeysScanSize: 50 };
const checksOf = (args: string[]) => classifyCommand(args, table, policyOf({}, settings)).checks;
const refusal = (args: string[]) => {
  try {
    classifyCommand(args, table, policyOf({}, settings));
    return undefined;
  } catch (error) {
    return error instanceof CommandRefused ? error.message : String(error);
  }
};

describe("domain/command-gateway/costs: what a command may cost, checked from its arguments or asked of the server", () => {
  it("a range the arguments bound is checked at once; one that runs to the end asks for the collection's size", () => {
    expect(checksOf(["LRANGE", "l", "0", "9"])).to.deep.equal([]);
    expect(refusal(["LRANGE", "l", "0", "500"])).to.match(/the range holds 501 elements, over the limit of 100/);
    const [check] = checksOf(["LRANGE", "l", "0", "-1"]);
    // The key's TYPE picks which size counts: a probe of another kind answers WRONGTYPE and is not read.
    expect(check.probes).to.deep.equal([["TYPE", "l"], ...["LLEN", "SCARD", "ZCARD", "HLEN", "XLEN", "STRLEN"].map((c) => [c, "l"])]);
    const wrong = new RedisReplyError("WRONGTYPE");
    const listOf = (n: string) => [Buffer.from("list"), n, wrong, wrong, wrong, wrong, wrong];
    expect(check.verdict(listOf("500"))).to.match(/100/);
    expect(check.verdict(listOf("5"))).to.equal(undefined);
  });

  it("a size is read by the key's own type (a plain set under a sorted-set command too), and a probe that fails refuses", () => {
    const [check] = checksOf(["ZUNION", "2", "a", "b"]);
    const set = (n: string) => [
      Buffer.from("set"),
      new RedisReplyError("WRONGTYPE"),
      n,
      new RedisReplyError("WRONGTYPE"),
      new RedisReplyError("x"),
      new RedisReplyError("x"),
      new RedisReplyError("x"),
    ];
    // A sorted set's union costs four times a set's per element.
    expect(check.verdict([...set("15"), ...set("15")])).to.match(
      /the keys' sizes together \(times 4: the result is ordered\) .* is 120, over the limit of 100/,
    );
    const failed = [Buffer.from("zset"), null, null, new RedisReplyError("LOADING"), null, null, null];
    expect(check.verdict([...set("1"), ...failed])).to.match(/the size of 'b' could not be read/);
    expect(check.verdict([...set("1"), Buffer.from("ReJSON-RL"), null, null, null, null, null, null])).to.match(
      /'b' is a ReJSON-RL, whose size the gateway cannot measure/,
    );
  });

  it("the request's work is one budget: bounds per command cannot add up", () => {
    const policy = policyOf({}, settings);
    const first = classifyCommand(["LRANGE", "l", "0", "99"], table, policy);
    expect(first.checks).to.deep.equal([]);
    for (let i = 0; i < 9; i++) classifyCommand(["LRANGE", "l", "0", "99"], table, policy);
    expect(() => classifyCommand(["LRANGE", "l", "0", "0"], table, policy)).to.throw(
      CommandRefused,
      /touches 1 elements, over the 0 left of the limit of 1000/,
    );
  });

  it("a write's offset may not allocate past the limit", () => {
    expect(refusal(["SETRANGE", "k", "5000", "x"])).to.match(/reaches past 4096 bytes/);
    expect(refusal(["SETBIT", "k", String(4096 * 8 + 1), "1"])).to.match(/bit offset reaches past 4096 bytes/);
    expect(refusal(["SETRANGE", "k", "10", "x"])).to.equal(undefined);
  });

  it("KEYS asks the keyspace's size first; MGET's keys are its reply's elements", () => {
    const [check] = checksOf(["KEYS", "*"]);
    expect(check.probes).to.deep.equal([["DBSIZE"]]);
    expect(check.verdict(["51"])).to.match(/use SCAN/);
    const keys = Array.from({ length: 101 }, (_, i) => `k${i}`);
    expect(refusal(["MGET", ...keys])).to.match(/a reply of 101 elements/);
  });

  it("INFO offers only the harmless sections, and asks for one", () => {
    expect(refusal(["INFO"])).to.match(/it needs sections/);
    expect(refusal(["INFO", "keyspace"])).to.match(/section 'keyspace' is not offered/);
    expect(refusal(["INFO", "memory"])).to.equal(undefined);
  });
});
