import { expect } from "chai";
import { defaultGatewaySettings } from "../domain/command-gateway/settings.js";
import { defaultEngineLimits } from "../domain/redis/engine-limits.js";
import { redisCommand } from "../local/launcher/services.js";
import { healthyAfter, neighboursBeside, startGatewayBed, type GatewayBed } from "./harness/gateway-bed.js";

const mib = 1 << 20;
/** The engine's output-buffer hard limit here: small, so the test's values stay small; the invariant is the same at 128 MiB. */
const hardLimit = 16 * mib;

describe("command gateway isolation: whatever the engine does to one request's connection reaches no other request", function () {
  this.timeout(90_000);
  let bed: GatewayBed;

  before(async () => {
    bed = await startGatewayBed({ ...defaultGatewaySettings }, { "client-output-buffer-limit": `normal ${hardLimit} ${hardLimit / 2} 30` });
  });
  after(() => bed.stop());

  it("strings read by MGET are sized before they run, summed over the request: a value grown by APPENDs is refused, not dropped", async () => {
    expect(defaultGatewaySettings.maxReplyBytes, "the reply bytes a request may size, against the engine's hard limit").to.be.below(
      defaultEngineLimits.outputBufferHardBytes / 4,
    );
    // A value grown by APPENDs within every request's limits, then read whole: refused before it runs.
    const chunk = "x".repeat(mib / 2);
    for (let i = 0; i < 20; i++) {
      const append = await bed.rest([["APPEND", "grown", chunk]]);
      expect(JSON.stringify(append.body)).to.match(/^\[\{"result":\d+\}\]$/);
    }
    const read = await bed.rest([["MGET", "grown"]]);
    expect(JSON.stringify(read.body)).to.match(/command 'mget' is not allowed: the values read are \d+ bytes, over the limit of 4194304 reply bytes/);
    // Many reads of a value each under the limit are summed: together they are refused too.
    await redisCommand(bed.node.url, "SET", "three-mib", "y".repeat(3 * mib));
    const twice = await bed.rest([
      ["MGET", "three-mib"],
      ["MGET", "three-mib"],
    ]);
    expect(JSON.stringify(twice.body)).to.match(/'mget' is not allowed: the values read are \d+ bytes, over the \d+ left of the limit/);
  });

  it("a reply the engine drops at its output-buffer limit fails only its own request: 300 neighbours meanwhile all succeed, Redis grows by at most the limit per such request", async () => {
    const element = "z".repeat(4 * mib);
    const attackers = 3;
    // Each attacking request's connection holds at most the limit before the engine drops it.
    const bound = attackers * (hardLimit / mib) + 8;
    for (let i = 0; i < 10; i++) await redisCommand(bed.node.url, "RPUSH", "wide", element);
    let neighbours = { answered: 0, failed: 0 };
    const health = await healthyAfter(
      bed.node.url,
      async () => {
        // 10 elements pass the element bounds; 40 MiB of reply passes the engine's 16 MiB limit, and Redis drops the connection.
        const attacks = Promise.all(Array.from({ length: attackers }, () => bed.rest([["LRANGE", "wide", "0", "9"]])));
        const { attack: answers, ...counts } = await neighboursBeside(bed, 300, attacks);
        neighbours = counts;
        for (const answer of answers) {
          // The reader kept only the request's 4 MiB; the engine closed the connection before the reply ended.
          expect(answer.status, JSON.stringify(answer.body).slice(0, 200)).to.be.oneOf([200, 502, 503]);
          expect(JSON.stringify(answer.body).slice(0, 400)).to.match(/reply dropped|closed|outcome unknown|unavailable/i);
        }
      },
      { redisPeakMb: bound, heapMb: 64 },
    );
    expect([neighbours.answered, neighbours.failed]).to.deep.equal([300, 0]);
    expect(health.redisPeakGrowthMb, "Redis grew by at most the output-buffer limit per attacking request").to.be.below(bound);
    // The connection the engine dropped is replaced: the next request on it works.
    expect((await bed.rest([["GET", "neighbour:1"]])).body).to.deep.equal([{ result: "1" }]);
  });
});
