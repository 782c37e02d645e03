import { expect } from "chai";
import { BadRequest, CommandGatewayError, CommandRefused, ScriptKilled, TransactionAborted } from "../../../../domain/command-gateway/errors.js";

describe("domain/command-gateway/errors: what the gateway refuses, and how an edge answers it", () => {
  it("a refusal carries its reason; a bad request and a refusal are the caller's (4xx); a script past its limit is a 408", () => {
    const refused = new CommandRefused("ERR command 'keys' is not allowed", "cost");
    expect([refused.reason, refused.name]).to.deep.equal(["cost", "CommandRefused"]);
    for (const error of [refused, new BadRequest("b"), new TransactionAborted("t")]) {
      expect(error).to.be.instanceOf(CommandGatewayError);
      expect(error.status).to.be.within(400, 499);
    }
    expect(new ScriptKilled("k").status).to.equal(408);
  });
});
