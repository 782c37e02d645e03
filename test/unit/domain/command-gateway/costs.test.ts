import { expect } from "chai";
import { classifyCommand } from "../../../../domain/command-gateway/classifier.js";
import { CommandRefused } from "../../../../domain/command-gateway/errors.js";
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
    expect(check.probes).to.deep.equal([["LLEN", "l"]]);
    expect(check.verdict(["500"])).to.match(/100/);
    expect(check.verdict(["5"])).to.equal(undefined);
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
