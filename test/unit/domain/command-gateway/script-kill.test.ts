import { expect } from "chai";
import { killRunningScript } from "../../../../domain/command-gateway/script-kill.js";
import { RedisReplyError } from "../../../../domain/redis/connector.js";
import type { RespReply } from "../../../../domain/redis/resp-connection.js";

const answering = (script: RespReply, fn: RespReply) => ({ send: async () => [script, fn] });
const notBusy = new RedisReplyError("NOTBUSY No scripts in execution right now.");

describe("domain/command-gateway/script-kill: the operator's SCRIPT KILL and FUNCTION KILL", () => {
  it("stopped when either kill answers OK; nothing running when both say NOTBUSY; not stopped otherwise", async () => {
    expect((await killRunningScript(answering(Buffer.from("OK"), notBusy))).stopped).to.equal(true);
    expect((await killRunningScript(answering(notBusy, Buffer.from("OK")))).stopped).to.equal(true);
    expect((await killRunningScript(answering(notBusy, notBusy))).stopped).to.equal("nothing running");
    const unkillable = await killRunningScript(answering(new RedisReplyError("UNKILLABLE Sorry the script already executed write commands"), notBusy));
    expect(unkillable.stopped).to.equal(false);
    expect(unkillable.scriptKill).to.match(/^UNKILLABLE/);
  });
});
