import { expect } from "chai";
import { defaultGatewaySettings } from "../domain/command-gateway/settings.js";
import { redisCommand } from "../local/launcher/services.js";
import { healthyAfter, startGatewayBed, type GatewayBed } from "./harness/gateway-bed.js";

/** Fills `key` with `n` members by `command` (SADD, ZADD, GEOADD, RPUSH), 10,000 at a time. */
async function fill(url: string, command: string, key: string, n: number, member: (i: number) => string[]) {
  for (let start = 0; start < n; start += 10_000) {
    const args = Array.from({ length: Math.min(10_000, n - start) }, (_, i) => member(start + i)).flat();
    await redisCommand(url, command, key, ...args);
  }
}

/** Last round's repros, at their own scale and the default settings: each is refused before anything runs, through REST and GraphQL. */
describe("command gateway request budget: work, memory and reply bytes are one budget per request, measured by type", function () {
  this.timeout(120_000);
  let bed: GatewayBed;
  let url: string;

  before(async () => {
    bed = await startGatewayBed({ ...defaultGatewaySettings });
    url = bed.node.url;
    await fill(url, "ZADD", "z100k", 100_000, (i) => [String(i), `m${i}`]);
    await fill(url, "SADD", "plain300k", 300_000, (i) => [`m${i}`]);
    await fill(url, "GEOADD", "geo200k", 200_000, (i) => [String(13 + (i % 1000) / 10_000), String(38 + Math.floor(i / 1000) / 10_000), `p${i}`]);
    await redisCommand(url, "SET", "value-1mb", "v".repeat(1 << 20));
    await fill(url, "RPUSH", "list21mb", 100_000, (i) => [`${"e".repeat(200)}${i}`]);
  });
  after(() => bed.stop());
  beforeEach(() => Object.assign(bed.traffic, { commands: 0, bytes: 0, replyBytes: 0 }));

  /** The error of one request through REST, and through GraphQL: the same sentence (GraphQL's selection has spent a little of the reply budget). */
  async function refusedByBoth(commands: string[][]): Promise<string> {
    const rest = await bed.rest(commands, "/pipeline");
    expect(rest.status, JSON.stringify(rest.body).slice(0, 300)).to.equal(400);
    const graphql = (await bed.graphqlAs(bed.apiKey, "mutation ($c: [[String!]!]!) { run(commands: $c) { type } }", { c: commands })) as {
      errors?: { message: string }[];
    };
    const error = (rest.body as { error: string }).error;
    const same = (text: string) => text.replace(/the \d+ left of the limit/, "the limit");
    expect(same(graphql.errors?.[0]?.message ?? "")).to.equal(same(error));
    return error;
  }

  it("bounds per command no longer add up: 15 ZUNIONSTOREs of 100,000 elements each are refused as one request's work", async () => {
    await redisCommand(url, "CONFIG", "SET", "slowlog-log-slower-than", "100000");
    await redisCommand(url, "SLOWLOG", "RESET");
    const health = await healthyAfter(url, async () => {
      // Each alone (a sorted set's union, four units of work per element) fits the budget; fifteen do not.
      await redisCommand(url, "ZREMRANGEBYRANK", "z25k", "0", "-1");
      await fill(url, "ZADD", "z25k", 25_000, (i) => [String(i), `m${i}`]);
      const error = await refusedByBoth(Array.from({ length: 15 }, (_, i) => ["ZUNIONSTORE", `out${i}`, "1", "z25k"]));
      expect(error).to.match(/touches 100000 elements, over the 0 left of the limit of 100000 a request may touch \(command 2\)/);
      expect((await bed.rest([["ZUNIONSTORE", "out-one", "1", "z25k"]])).status).to.equal(200);
      // The issue's own: fifteen of 100,000 elements each; one of them alone is already past the budget.
      expect(await refusedByBoth(Array.from({ length: 15 }, (_, i) => ["ZUNIONSTORE", `out${i}`, "1", "z100k"]))).to.match(
        /is 400000, over the limit of 100000/,
      );
    });
    expect(bed.traffic.commands).to.equal(1);
    expect(await redisCommand(url, "SLOWLOG", "LEN")).to.equal(0);
    console.log(`      Redis peak +${health.redisPeakGrowthMb.toFixed(1)} MB; no command of 100 ms`);
  });

  it("sizes come from the key's own type: ZUNION over a 300,000-member plain set is measured, not counted as 0", async () => {
    expect(await refusedByBoth([["ZUNION", "1", "plain300k"]])).to.match(
      /the keys' sizes together \(times 4: the result is ordered\) .* is 1200000, over the limit of 10000/,
    );
    expect(await refusedByBoth([["ZUNIONSTORE", "dst", "1", "plain300k"]])).to.match(/is 1200000, over the limit of 100000/);
    expect(bed.traffic.commands).to.equal(0);
  });

  it("COUNT limits the reply, not the walk: GEOSEARCH ... COUNT 1 over 200,000 members is charged the set's size", async () => {
    const error = await refusedByBoth([["GEOSEARCH", "geo200k", "FROMLONLAT", "13.05", "38.1", "BYRADIUS", "500", "km", "COUNT", "1"]]);
    expect(error).to.match(/the size of 'geo200k' \(elements a command may walk\) is 200000, over the limit of 100000/);
  });

  it("one caller's reply never reaches the engine's output-buffer limit: MGET of a 1 MB value 200 times is refused, and neighbours all succeed", async () => {
    let failed = 0;
    await healthyAfter(url, async () => {
      const attack = refusedByBoth([["MGET", ...Array.from({ length: 200 }, () => "value-1mb")]]);
      const others = Array.from({ length: 100 }, async (_, i) => {
        const reply = await bed.rest([
          ["SET", `n:${i}`, "1"],
          ["INCR", `n:${i}`],
        ]);
        if (JSON.stringify(reply.body) !== JSON.stringify([{ result: "OK" }, { result: 2 }])) failed++;
      });
      const [error] = await Promise.all([attack, ...others]);
      expect(error).to.match(/the values read are 209718\d+ bytes, over the limit of 4194304 reply bytes/);
    });
    expect(failed).to.equal(0);
    const disconnections = /client_output_buffer_limit_disconnections:(\d+)/.exec(String(await redisCommand(url, "INFO", "stats")))?.[1];
    expect(disconnections).to.equal("0");
  });

  it("COPY is charged its source's exact memory: a 21 MB list is refused, not estimated at a fraction of it", async () => {
    const exact = Number(await redisCommand(url, "MEMORY", "USAGE", "list21mb", "SAMPLES", "0"));
    expect(exact).to.be.above(20 << 20);
    expect(await refusedByBoth([["COPY", "list21mb", "copy21"]])).to.match(
      new RegExp(`copying 'list21mb' \\(${exact} bytes\\) exceeds the limit of 1048576 bytes`),
    );
    expect(await redisCommand(url, "EXISTS", "copy21")).to.equal(0);
  });

  it("patterns are grammar too: a 50 KB class under SCAN and a 10 KB one under a tenant's HSCAN are refused before anything is sent", async () => {
    const scan = await bed.rest([["SCAN", "0", "MATCH", `*[${"a".repeat(50 * 1024)}]z`]], "/pipeline", bed.readToken);
    expect((scan.body as { error: string }).error).to.equal("ERR command 'scan' is not allowed: a pattern of 51204 bytes is over the limit of 256");
    const hscan = await bed.rest([["HSCAN", "tenant-a:h", "0", "MATCH", `[${"b".repeat(10 * 1024)}]`]], "/pipeline", bed.tenantToken);
    expect((hscan.body as { error: string }).error).to.match(/^ERR command 'hscan' is not allowed: a pattern of 10242 bytes is over the limit of 256$/);
    const shaped = await bed.rest([["SCAN", "0", "MATCH", "*[abc]*[def]*[ghi]*[jkl]*[mno]*"]], "/pipeline", bed.readToken);
    expect((shaped.body as { error: string }).error).to.match(/a pattern with 6 stars|a pattern with 5 classes/);
    expect(bed.traffic.commands).to.equal(0);
    // An everyday pattern scans.
    expect((await bed.rest([["SCAN", "0", "MATCH", "user:*", "COUNT", "100"]], "/pipeline", bed.readToken)).status).to.equal(200);
  });
});
