import { expect } from "chai";
import { classifyCommand } from "../../../../domain/command-gateway/classifier.js";
import { CommandRefused, type RefusalReason } from "../../../../domain/command-gateway/errors.js";
import { policyOf, table } from "./fixtures.js";

const reasonOf = (args: string[], policy = policyOf()): RefusalReason | "allowed" => {
  try {
    classifyCommand(args, table, policy);
    return "allowed";
  } catch (error) {
    if (error instanceof CommandRefused) return error.reason;
    throw error;
  }
};

describe("domain/command-gateway/classifier: deny by default, each refusal with its reason", () => {
  it("a known data command is classified with its keys; nothing is sent", () => {
    const command = classifyCommand(["MSET", "a", "1", "b", "2"], table, policyOf());
    expect([command.name, command.keys]).to.deep.equal(["mset", ["a", "b"]]);
  });

  it("unknown, unexposed, wrong arity, bad grammar and blocking commands are refused, each for its reason", () => {
    expect(reasonOf(["NOSUCH"])).to.equal("unknown-command");
    expect(reasonOf(["FLUSHALL"])).to.equal("not-exposed");
    expect(reasonOf(["CONFIG", "SET", "x", "y"])).to.equal("not-exposed");
    expect(reasonOf(["GET"])).to.equal("arity");
    expect(reasonOf(["SET", "k", "v", "EX", "1", "EX", "2"])).to.equal("grammar");
    expect(reasonOf(["BLPOP", "k", "0"])).to.equal("not-exposed");
    expect(reasonOf(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"])).to.equal("blocking");
  });

  it("a read-only request may not write; scripts stay off unless allowed, and never under a prefix", () => {
    expect(reasonOf(["SET", "k", "v"], policyOf({ access: "read" }))).to.equal("read-only");
    expect(reasonOf(["GET", "k"], policyOf({ access: "read" }))).to.equal("allowed");
    expect(reasonOf(["EVAL", "return 1", "0"])).to.equal("scripts");
    // Raw Lua needs ALLOW_EVAL as well; a script by SHA or a function must be registered.
    expect(reasonOf(["EVAL", "return 1", "0"], policyOf({ allowScripts: true }))).to.equal("scripts");
    expect(reasonOf(["EVAL", "return 1", "0"], policyOf({ allowScripts: true }, { allowEval: true }))).to.equal("allowed");
    expect(reasonOf(["EVAL", "return 1", "0"], policyOf({ allowScripts: true, keyPrefix: "t:" }, { allowEval: true }))).to.equal("scripts");
    const sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
    const registered = { registeredScripts: [sha, "myfunc"] };
    expect(reasonOf(["EVALSHA_RO", sha, "0"], policyOf({ allowScripts: true, access: "read" }, registered))).to.equal("allowed");
    expect(reasonOf(["EVALSHA_RO", sha.toUpperCase(), "0"], policyOf({ allowScripts: true, access: "read" }, registered))).to.equal("allowed");
    expect(reasonOf(["EVALSHA_RO", "1".repeat(40), "0"], policyOf({ allowScripts: true, access: "read" }, registered))).to.equal("scripts");
    expect(reasonOf(["FCALL", "myfunc", "0"], policyOf({ allowScripts: true }, registered))).to.equal("allowed");
    expect(reasonOf(["FCALL", "otherfunc", "0"], policyOf({ allowScripts: true }, registered))).to.equal("scripts");
    expect(reasonOf(["SCRIPT", "EXISTS", sha], policyOf({ allowScripts: true, access: "read" }))).to.equal("allowed");
  });

  it("nobody publishes on the engine's keyspace notification channels (the change feed trusts them); other channels stay open", () => {
    for (const channel of ["__keyevent@0__:hset", "__keyspace@0__:person:1", "__keyevent@*"]) {
      expect(reasonOf(["PUBLISH", channel, "forged"]), channel).to.equal("not-exposed");
      expect(reasonOf(["SPUBLISH", channel, "forged"]), channel).to.equal("not-exposed");
    }
    for (const channel of ["news", "__keyevents", "_keyevent@0__:hset", "__key"]) expect(reasonOf(["PUBLISH", channel, "x"]), channel).to.equal("allowed");
  });

  it("under a key prefix every key, channel and pattern starts with it", () => {
    const tenant = policyOf({ keyPrefix: "tenant-a:" });
    expect(reasonOf(["GET", "tenant-a:k"], tenant)).to.equal("allowed");
    expect(reasonOf(["MGET", "tenant-a:k", "other"], tenant)).to.equal("key-prefix");
    expect(reasonOf(["PUBLISH", "news", "x"], tenant)).to.equal("key-prefix");
    expect(reasonOf(["SCAN", "0", "MATCH", "*"], tenant)).to.equal("key-prefix");
    expect(reasonOf(["SCAN", "0", "MATCH", "tenant-a:*"], tenant)).to.equal("allowed");
  });

  it("counts the arguments decide are held to the settings before anything runs", () => {
    expect(reasonOf(["SRANDMEMBER", "s", "20"], policyOf({}, { maxReplyElements: 10 }))).to.equal("cost");
    expect(reasonOf(["SRANDMEMBER", "s", "5"], policyOf({}, { maxReplyElements: 10 }))).to.equal("allowed");
  });
});
