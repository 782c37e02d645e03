import { expect } from "chai";
import { isStatusReply, toTypedReply, toUpstashResult } from "../../../../domain/command-gateway/replies.js";

describe("domain/command-gateway/replies: Redis's replies as GraphQL's typed values and Upstash's results", () => {
  it("a status is a status only for commands that answer one; SET ... GET answers a bulk string", () => {
    expect(isStatusReply("set", ["SET", "k", "v"])).to.equal(true);
    expect(isStatusReply("set", ["SET", "k", "v", "GET"])).to.equal(false);
    expect(isStatusReply("get", ["GET", "k"])).to.equal(false);
  });

  it("typed replies: strings, integers, nil, arrays and errors", () => {
    expect(toTypedReply({ ok: true, value: Buffer.from("OK") }, true)).to.deep.equal({ type: "STATUS", value: "OK" });
    expect(toTypedReply({ ok: true, value: Buffer.from("v") }, false)).to.deep.equal({ type: "STRING", value: "v" });
    expect(toTypedReply({ ok: true, value: "12" }, false).type).to.equal("INTEGER");
    expect(toTypedReply({ ok: true, value: null }, false).type).to.equal("NIL");
    expect(toTypedReply({ ok: false, error: "WRONGTYPE" }, false)).to.deep.equal({ type: "ERROR", value: null, error: "WRONGTYPE" });
    expect(toTypedReply({ ok: true, value: [Buffer.from("a"), null] }, false).type).to.equal("ARRAY");
  });

  it("Upstash results: base64 when asked, except the status OK; integers as numbers", () => {
    expect(toUpstashResult(Buffer.from("OK"), true, true)).to.equal("OK");
    expect(toUpstashResult(Buffer.from("hi"), true, false)).to.equal(Buffer.from("hi").toString("base64"));
    expect(toUpstashResult(Buffer.from("hi"), false, false)).to.equal("hi");
    expect(toUpstashResult("42", false, false)).to.equal(42);
    expect(toUpstashResult([Buffer.from("a"), null], false, false)).to.deep.equal(["a", null]);
  });
});
