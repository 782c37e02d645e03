import { expect } from "chai";
import { refusedBecause } from "../../../../domain/command-gateway/not-exposed.js";

describe("domain/command-gateway/not-exposed: why the well-known commands left out are left out", () => {
  it("administration, connection state, raw transactions, pub/sub and blocking each have their reason", () => {
    expect(refusedBecause.flushall).to.equal("administrative");
    expect(refusedBecause.select).to.equal("changes the state of a shared connection");
    expect(refusedBecause.multi).to.match(/use the transaction option/);
    expect(refusedBecause.subscribe).to.match(/pub\/sub/);
    expect(refusedBecause.blpop).to.match(/blocking/);
    expect(Object.values(refusedBecause).every((why) => why.length > 0)).to.equal(true);
  });
});
