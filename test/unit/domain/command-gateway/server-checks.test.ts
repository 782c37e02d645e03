import { expect } from "chai";
import { RequestBudget } from "../../../../domain/command-gateway/batch.js";
import { copyCheck, replyBytesCheck, sizes } from "../../../../domain/command-gateway/server-checks.js";
import { defaultGatewaySettings } from "../../../../domain/command-gateway/settings.js";
import { RedisReplyError } from "../../../../domain/redis/connector.js";

const settings = { ...defaultGatewaySettings, maxWorkElements: 1_000, maxCopyBytes: 10_000, maxReplyBytes: 5_000 };
const contextOf = () => ({ name: "cmd", settings, allowance: new RequestBudget(settings) });
const wrong = new RedisReplyError("WRONGTYPE Operation against a key holding the wrong kind of value");
/** A key's probe replies (TYPE, LLEN, SCARD, ZCARD, HLEN, XLEN, STRLEN) for a value of `type` and `size`. */
const probed = (type: string, size: number) => {
  const kinds = ["list", "set", "zset", "hash", "stream", "string"];
  return [Buffer.from(type), ...kinds.map((k) => (k === type ? String(size) : wrong))];
};

describe("domain/command-gateway/server-checks: what is asked of the server before a command runs, charged to the request", () => {
  it("sizes by each key's own type, refuses past the bound, and charges the elements to the request's work", () => {
    const ctx = contextOf();
    const check = sizes(ctx, ["a", "b"], 500, "the keys' sizes together");
    expect(check.verdict([...probed("set", 300), ...probed("zset", 300)])).to.equal("the keys' sizes together is 600, over the limit of 500");
    expect(check.verdict([...probed("set", 300), ...probed("zset", 100)])).to.equal(undefined);
    expect(ctx.allowance.workElements).to.equal(600);
    // A missing key is empty; a string counts one element of work whatever its bytes.
    expect(sizes(ctx, ["s", "none"], 10_000, "sizes").verdict([...probed("string", 5_000), Buffer.from("none"), null, null, null, null, null, null])).to.equal(
      undefined,
    );
    expect(ctx.allowance.workElements).to.equal(599);
  });

  it("COPY: the source's exact memory against what is left to copy; strings read whole against the reply bytes left", () => {
    const ctx = contextOf();
    const copy = copyCheck(ctx, "src");
    expect(copy.probes.at(-1)).to.deep.equal(["MEMORY", "USAGE", "src", "SAMPLES", "1000"]);
    expect(copy.verdict([...probed("list", 10), "6000"])).to.equal(undefined);
    expect(copy.verdict([...probed("list", 10), "6000"])).to.match(/\(6000 bytes\) exceeds the 4000 left of the limit of 10000 bytes/);
    expect(copy.verdict([...probed("list", 2_000), "10"])).to.match(/elements a copy walks.* is 2000, over the limit of 1000/);
    const reads = replyBytesCheck(ctx, ["k", "k", "k"]);
    expect(reads.probes).to.deep.equal([
      ["STRLEN", "k"],
      ["STRLEN", "k"],
      ["STRLEN", "k"],
    ]);
    expect(reads.verdict(["2000", "2000", "2000"])).to.match(/the values read are 6048 bytes, over the limit of 5000 reply bytes/);
    expect(reads.verdict(["1000", "1000", wrong])).to.equal(undefined);
    // The reads of one request are summed: 2,048 of 5,000 sized, so a second read of 3,000 is over what is left.
    expect(ctx.allowance.sizedReplyBytes).to.equal(2048);
    expect(replyBytesCheck(ctx, ["k"]).verdict(["3000"])).to.match(/3016 bytes, over the 2952 left of the limit of 5000 reply bytes/);
  });
});
