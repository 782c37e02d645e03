import { expect } from "chai";
import { defaultGatewaySettings, type GatewaySettings } from "../domain/command-gateway/settings.js";
import { redisCommand, type RedisNode } from "../local/launcher/services.js";
import { healthyAfter, startGatewayBed, type GatewayBed } from "./harness/gateway-bed.js";

const limits: GatewaySettings = { ...defaultGatewaySettings, maxReplyBytes: 64 * 1024, maxReplyElements: 100, maxWorkElements: 1_000, maxCopyBytes: 2 << 20 };

/** The classes that broke last round, one test each, through both doors and as the tenant and the read-only caller. */
describe("command gateway, deny by default: each class of last round's holes, through REST and GraphQL", function () {
  this.timeout(90_000);
  let bed: GatewayBed;
  let node: RedisNode;

  before(async () => {
    bed = await startGatewayBed({ ...limits, maxFieldsPerRequest: 2, allowScripts: true, allowEval: true, scriptTimeoutMs: 300 });
    ({ node } = bed);
  });
  after(() => bed.stop());
  beforeEach(() => Object.assign(bed.traffic, { commands: 0, bytes: 0, replyBytes: 0 }));

  /** The refusal of one command through REST and through GraphQL (a query if `read`), as the tenant or the unconfined caller. */
  async function refusedByBoth(command: string[], as: "tenant" | "caller" = "caller", read = false): Promise<[string, string]> {
    const rest = await bed.rest([command], "/pipeline", as === "tenant" ? bed.tenantToken : bed.token);
    expect(rest.status, `REST ${command.join(" ")}: ${JSON.stringify(rest.body)}`).to.equal(400);
    const field = read ? "read" : "run";
    const graphql = await bed.graphqlAs(
      as === "tenant" ? bed.tenantApiKey : bed.apiKey,
      `${read ? "query" : "mutation"} ($c: [[String!]!]!) { ${field}(commands: $c) { type } }`,
      {
        c: [command],
      },
    );
    const message = graphql.errors?.[0]?.message ?? "";
    expect(message, `GraphQL ${command.join(" ")}`).to.match(/^ERR /);
    return [(rest.body as { error: string }).error, message];
  }

  it("an option given twice: refused with the option named, and the key Redis would have written stays untouched", async () => {
    await redisCommand(node.url, "SET", "tenant-b:victim", "safe");
    await redisCommand(node.url, "GEOADD", "tenant-a:g", "15", "37", "m");
    await healthyAfter(node.url, async () => {
      for (const as of ["tenant", "caller"] as const) {
        const [rest, graphql] = await refusedByBoth(
          ["GEORADIUS", "tenant-a:g", "15", "37", "200", "km", "STORE", "tenant-a:y", "STORE", "tenant-b:victim"],
          as,
        );
        expect(rest)
          .to.equal(graphql)
          .and.match(/STORE is given twice \(the server would act on the last\)/);
      }
      const [scan] = await refusedByBoth(["SCAN", "0", "MATCH", "tenant-a:*", "MATCH", "*"], "tenant", true);
      expect(scan).to.match(/'scan' is not allowed: MATCH is given twice/);
      expect((await refusedByBoth(["SORT", "tenant-a:l", "STORE", "tenant-a:x", "STORE", "tenant-b:victim"]))[0]).to.match(/STORE is given twice/);
      expect((await refusedByBoth(["SET", "k", "v", "EX", "10", "PX", "5"]))[0]).to.match(/PX is given twice|expiration/);
    });
    expect(await redisCommand(node.url, "GET", "tenant-b:victim")).to.equal("safe");
    expect(bed.traffic.commands).to.equal(0);
  });

  it("arguments with no bound: what the grammar does not document, and COUNT 0 meaning everything, are refused before anything is sent", async () => {
    await redisCommand(node.url, "XADD", "s", "*", "f", "v");
    await redisCommand(node.url, "XGROUP", "CREATE", "s", "g", "0");
    await healthyAfter(node.url, async () => {
      const cases: [string[], RegExp, boolean][] = [
        [["LOLWUT", "VERSION", "6", "1000", "1000"], /'lolwut' is not allowed: its reply and its work grow with arguments it does not document/, true],
        [["XREAD", "COUNT", "0", "STREAMS", "s", "0"], /'xread' is not allowed: COUNT count 0 is outside 1 to 100/, true],
        [["XREADGROUP", "GROUP", "g", "c", "COUNT", "0", "STREAMS", "s", ">"], /COUNT count 0 is outside 1 to 100/, false],
        [["XINFO", "STREAM", "s", "FULL", "COUNT", "0"], /'xinfo\|stream' is not allowed: COUNT count 0 is outside 1 to 100/, true],
        [["MEMORY", "USAGE", "s", "SAMPLES", "0"], /'memory\|usage' is not allowed: SAMPLES count 0 is outside 1 to 1000/, true],
        [["HRANDFIELD", "h", "-1000000"], /count -1000000 is outside -100 to 100/, true],
        [["XRANGE", "s", "-", "+", "COUNT", "1000000"], /COUNT count 1000000 is outside 1 to 100/, true],
      ];
      for (const [command, why, read] of cases) {
        const [rest, graphql] = await refusedByBoth(command, "caller", read);
        expect(rest, command.join(" ")).to.match(why);
        expect(graphql).to.equal(rest);
      }
    });
    expect(bed.traffic.commands).to.equal(0);
  });

  it("work not proportional to the request: a key named twice, sets too large to combine, copies past the request's allowance, a flood of COMMAND DOCS", async () => {
    const members = Array.from({ length: 800 }, (_, i) => `m${i}`);
    await redisCommand(node.url, "SADD", "big-a", ...members);
    await redisCommand(node.url, "SADD", "big-b", ...members.map((m) => `${m}b`));
    await redisCommand(node.url, "SET", "value-1mb", "x".repeat(1 << 20));
    const health = await healthyAfter(
      node.url,
      async () => {
        const [repeated] = await refusedByBoth(["SUNIONSTORE", "d", ...Array.from({ length: 5_000 }, () => "k")]);
        expect(repeated).to.match(/key 'k' is named twice \(each name costs the server another pass\)/);
        const [combined] = await refusedByBoth(["SUNIONSTORE", "d", "big-a", "big-b"]);
        expect(combined).to.match(/the keys' sizes together \(elements a command may walk\) is 1600, over the limit of 1000/);
        // One COPY of the 1 MB value (1.25 MB in memory) passes; two hundred exceed what one request may copy, and none runs.
        const copies = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ["COPY", "value-1mb", `copy:${from + i}`, "REPLACE"]);
        const refused = (await bed.rest(copies(200))).body as { error: string };
        expect(refused.error).to.match(
          /^ERR command 'copy' is not allowed: copying 'value-1mb' \(\d+ bytes\) exceeds the \d+ left of the limit of 2097152 bytes a request may copy \(command 2\)$/,
        );
        expect(await redisCommand(node.url, "EXISTS", "copy:0")).to.equal(0);
        expect((await bed.rest(copies(1, 500))).body).to.deep.equal([{ result: 1 }]);
        // COMMAND DOCS is answered from the gateway's own copy: a thousand at once never reach Redis's output buffers.
        bed.traffic.commands = 0;
        const statuses = await Promise.all(Array.from({ length: 1_000 }, () => bed.rest([["COMMAND", "DOCS", "set"]]).then((d) => d.status)));
        expect(statuses.every((status) => status === 200)).to.equal(true);
        expect(bed.traffic.commands).to.equal(0);
      },
      // A thousand requests in flight at once, served by this same process, hold its buffers and its loop for a moment.
      { redisPeakMb: 8, heapMb: 64, eventLoopMs: 1_500 },
    );
    expect(health.redisPeakGrowthMb).to.be.below(8);
  });

  it("the shared connection is honest: neighbours' writes get their real replies past another's reply limit; a script is killed whenever it is sent; read-only callers cannot fill the script cache", async () => {
    await redisCommand(node.url, "SET", "huge", "x".repeat(8 << 20));
    await healthyAfter(node.url, async () => {
      const [big, writes] = await Promise.all([
        bed.rest([["GET", "huge"]]),
        bed.rest([
          ["SET", "n", "1"],
          ["INCR", "n"],
        ]),
      ]);
      expect((big.body as { error: string }[])[0].error).to.match(/reply dropped: replies exceed the limit of 65536 bytes/);
      // They ran, and are told so: not a 503 for a connection dropped under them.
      expect(writes).to.deep.equal({ status: 200, body: [{ result: "OK" }, { result: 2 }] });
      // After an idle spell longer than three timeouts, a script still gets its kill.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const looping = await bed.rest(["EVAL", "while true do end", "0"], "/");
      expect(JSON.stringify(looping.body)).to.match(/Script killed by user|script ran past the limit of 300 ms/);
      expect(await redisCommand(node.url, "PING")).to.equal("PONG");
      for (const command of [
        ["EVAL_RO", "return 1", "0"],
        ["SCRIPT", "LOAD", "return 1"],
      ]) {
        const refused = await bed.rest([command], "/pipeline", bed.readToken);
        expect(refused.body, command.join(" ")).to.deep.equal({
          error: `ERR command '${command[0] === "SCRIPT" ? "script|load" : "eval_ro"}' is not allowed: this request may only read: use EVALSHA_RO or FCALL_RO (a read-only caller runs loaded scripts only)`,
        });
      }
    });
  });

  it("GraphQL: a reply selected by a thousand aliases costs a thousand times its bytes; root fields share the reply budget", async () => {
    await redisCommand(node.url, "SET", "v40k", "y".repeat(40_000));
    await healthyAfter(node.url, async () => {
      const aliases = Array.from({ length: 1_000 }, (_, i) => `a${i}: value`).join(" ");
      const response = await fetch(bed.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": bed.apiKey },
        body: JSON.stringify({ query: `query { read(commands: [["GET","v40k"]]) { ${aliases} error } }` }),
      });
      const text = await response.text();
      expect(text.length, "response bytes").to.be.below(200_000);
      expect(text).to.match(/reply dropped: replies exceed the limit of 65536 bytes/);
      const shared = await bed.graphql(`query { a: read(commands: [["GET","v40k"]]) { value error } b: read(commands: [["GET","v40k"]]) { value error } }`);
      const replies = [shared.data?.a?.[0], shared.data?.b?.[0]];
      expect(replies.filter((r) => r?.error === null)).to.have.length(1);
      expect(replies.filter((r) => /reply dropped/.test(r?.error ?? ""))).to.have.length(1);
    });
  });
});
