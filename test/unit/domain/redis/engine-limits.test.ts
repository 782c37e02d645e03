import { expect } from "chai";
import { defaultEngineLimits, engineDirectives, engineParameters } from "../../../../domain/redis/engine-limits.js";

describe("domain/redis/engine-limits: one set of engine bounds, as ElastiCache parameters and as server directives", () => {
  it("the parameter group splits client-output-buffer-limit in three; the directive is one line for the normal class", () => {
    const parameters = Object.fromEntries(engineParameters(defaultEngineLimits).map((p) => [p.name, p.value]));
    expect(parameters["client-output-buffer-limit-normal-hard-limit"]).to.equal(String(128 << 20));
    expect(parameters["lazyfree-lazy-user-del"]).to.equal("yes");
    const directives = engineDirectives({ ...defaultEngineLimits, outputBufferHardBytes: 4 << 20, lazyFreeServerDel: false });
    expect(directives["client-output-buffer-limit"]).to.equal(`normal ${4 << 20} ${32 << 20} 30`);
    expect(directives["lazyfree-lazy-server-del"]).to.equal("no");
    // ElastiCache fixes the script threshold: the local servers set it, the parameter group cannot.
    expect(directives["busy-reply-threshold"]).to.equal("5000");
    expect(parameters).to.not.have.property("busy-reply-threshold");
    expect(parameters).to.not.have.property("lua-time-limit");
  });
});
