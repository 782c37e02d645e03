import { expect } from "chai";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultGatewaySettings, type GatewaySettings } from "../domain/command-gateway/settings.js";
import { RespConnection } from "../domain/redis/resp-connection.js";
import { endpointFromUrl } from "../domain/redis/connector.js";
import { redisCommand, type RedisNode } from "../local/launcher/services.js";
import { eventually } from "./harness/eventually.js";
import { healthyAfter as healthyAfter_, startGatewayBed, type GatewayBed, type Traffic } from "./harness/gateway-bed.js";

const limits: GatewaySettings = {
  ...defaultGatewaySettings,
  maxCommands: 50,
  maxRequestBytes: 4_096,
  maxReplyBytes: 64 * 1024,
  maxReplyElements: 100,
  maxOffsetBytes: 4_096,
};
describe("command gateway: bounded and scoped against hostile callers (REST and GraphQL)", function () {
  this.timeout(60_000);
  let bed: GatewayBed;
  let node: RedisNode;
  let traffic: Traffic;
  const restCall = (body: unknown, path?: string) => bed.rest(body, path);
  const graphqlCall = (query: string, variables?: unknown) => bed.graphql(query, variables);
  const healthyAfter = (attack: () => Promise<void>, heapMb?: number) => healthyAfter_(node.url, attack, { heapMb, redisPeakMb: 200 });

  before(async () => {
    bed = await startGatewayBed({ ...limits, maxFieldsPerRequest: 3, allowScripts: true, allowEval: true, scriptTimeoutMs: 300 });
    ({ node } = bed);
  });
  beforeEach(() => {
    traffic = bed.traffic;
    Object.assign(traffic, { commands: 0, bytes: 0, replyBytes: 0 });
  });
  after(() => bed.stop());

  /** Waits until a script runs on the server: past busy-reply-threshold it answers BUSY to everyone else. */
  const scriptRunning = async () => {
    const probe = new RespConnection({ ...endpointFromUrl(node.url), commandTimeoutMs: 5_000 });
    try {
      await eventually(
        "the script to be running",
        async () => {
          const [reply] = await probe.send([["PING"]]);
          return reply instanceof Error ? reply.message : String(reply);
        },
        (reply) => reply.startsWith("BUSY"),
        10_000,
        10,
      );
    } finally {
      probe.close();
    }
  };

  it("a GraphQL document's aliased fields share one request's limits, and their number is capped", async () => {
    const commands = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ["SET", `alias:${i}`, "v"]));
    await healthyAfter(async () => {
      const shared = await graphqlCall(`mutation { a: run(commands: ${commands(30)}) { type } b: run(commands: ${commands(30)}) { type } }`);
      // `run` is non-null, so the refused second field nulls the whole answer; the first field ran.
      expect(shared.data).to.equal(null);
      expect(await redisCommand(node.url, "EXISTS", "alias:29")).to.equal(1);
      expect(shared.errors?.[0].message).to.equal("30 commands exceed the 20 left of the limit of 50 commands per request");
      expect(traffic.commands).to.equal(30);

      const many = await graphqlCall(`query { ${Array.from({ length: 4 }, (_, i) => `f${i}: read(commands: [["GET","k"]]) { type }`).join(" ")} }`);
      expect(many.errors?.[0].message).to.equal("the operation has 4 root fields; the limit is 3 per request (MAX_FIELDS_PER_REQUEST)");
      // Fragments count too.
      const fragments = await graphqlCall(
        `query { ...F ...F2 } fragment F on Query { a: read(commands: [["GET","k"]]) { type } b: read(commands: [["GET","k"]]) { type } } fragment F2 on Query { c: read(commands: [["GET","k"]]) { type } d: read(commands: [["GET","k"]]) { type } }`,
      );
      expect(fragments.errors?.[0].message).to.match(/4 root fields; the limit is 3/);
    });
  });

  it("a reply past the limit fails cleanly while it streams in: the reader stops, the value is never buffered, neighbours are served", async () => {
    await redisCommand(node.url, "SET", "huge", "x".repeat(48 << 20));
    await healthyAfter(async () => {
      const neighbour = restCall([["GET", "small"], ["PING"]]);
      const { status, body } = await restCall([["GET", "huge"]]);
      expect(status).to.equal(200);
      expect(body).to.deep.equal([
        { error: `ERR reply dropped: replies exceed the limit of ${limits.maxReplyBytes} bytes per request (as received from Redis); the command ran` },
      ]);
      expect((await neighbour).body).to.deep.equal([{ result: null }, { result: "PONG" }]);
    }, 24);
    await redisCommand(node.url, "DEL", "huge");
  });

  it("arguments that set a reply's size or an allocation are bounded before anything is sent", async () => {
    await redisCommand(node.url, "SADD", "small-set", "a", "b", "c");
    for (const [command, message] of [
      [["SRANDMEMBER", "small-set", "-100000000"], "ERR command 'srandmember' is not allowed: count -100000000 is outside -100 to 100"],
      [["SPOP", "small-set", "1000"], "ERR command 'spop' is not allowed: count 1000 is outside 0 to 100"],
      [["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "1000"], "ERR command 'zrangebyscore' is not allowed: LIMIT count 1000 is over the limit of 100"],
      [["LPOS", "l", "x", "COUNT", "0"], "ERR command 'lpos' is not allowed: COUNT num-matches 0 is outside 1 to 100"],
      [["SCAN", "0", "COUNT", "100000"], "ERR command 'scan' is not allowed: COUNT count 100000 is outside 1 to 1000"],
      [["XRANGE", "s", "-", "+", "COUNT", "500"], "ERR command 'xrange' is not allowed: COUNT count 500 is outside 1 to 100"],
      [["SETRANGE", "k", "536870000", "x"], "ERR command 'setrange' is not allowed: the offset reaches past 4096 bytes (the limit a write may allocate)"],
      [["SETBIT", "k", "4294967295", "1"], "ERR command 'setbit' is not allowed: the bit offset reaches past 4096 bytes (the limit a write may allocate)"],
      [
        ["BITFIELD", "k", "SET", "u8", "#100000000", "1"],
        "ERR command 'bitfield' is not allowed: the bit offset reaches past 4096 bytes (the limit a write may allocate)",
      ],
    ] as [string[], string][]) {
      const { status, body } = await restCall(command, "/");
      expect(status, command.join(" ")).to.equal(400);
      expect(body, command.join(" ")).to.deep.equal({ error: message });
    }
    expect(traffic.commands).to.equal(0);
    expect((await restCall(["SRANDMEMBER", "small-set", "-100"], "/")).status).to.equal(200);
    expect(await redisCommand(node.url, "SCARD", "small-set")).to.equal(3);
  });

  it("a script that loops forever is killed at the time limit; callers behind it are answered", async () => {
    await healthyAfter(async () => {
      const looping = restCall(["EVAL", "while true do end", "0"], "/");
      await scriptRunning();
      const behind = restCall([["SET", "after-script", "1"]]);
      const { body } = await looping;
      // Killed by the gateway's own SCRIPT KILL (a timeout would have failed it differently), and the caller behind it is served.
      expect((body as { error: string }).error).to.match(/Script killed by user with SCRIPT KILL/);
      expect((await behind).body).to.deep.equal([{ result: "OK" }]);
    });
  });

  it("the operator stops a runaway script from the listener host: script-kill.mjs beside the listener", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ecp-kill-"));
    const config = join(dir, "listener.json");
    writeFileSync(config, JSON.stringify({ redisUrl: node.url, region: "us-east-1" }));
    // The program as the host gets it (`make build`), not the source.
    const shippedScriptKill = join("dist", "listener", "script-kill.mjs");
    const runaway = new RespConnection({ ...endpointFromUrl(node.url), commandTimeoutMs: 20_000 });
    try {
      const looping = runaway.send([["EVAL", "while true do end", "0"]]);
      await scriptRunning();
      const kill = spawnSync(process.execPath, [shippedScriptKill, config], { encoding: "utf8" });
      expect(kill.status, kill.stderr).to.equal(0);
      expect(kill.stdout).to.contain("SCRIPT KILL: OK");
      const [reply] = await looping;
      expect(String(reply)).to.match(/Script killed by user with SCRIPT KILL/);
      const idle = spawnSync(process.execPath, [shippedScriptKill, config], { encoding: "utf8" });
      expect(idle.status).to.equal(0);
      expect(idle.stdout).to.match(/SCRIPT KILL: NOTBUSY/);
    } finally {
      runaway.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a batch that times out fails alone: a later batch on the same connection is still answered", async () => {
    const connection = new RespConnection({ ...endpointFromUrl(node.url), commandTimeoutMs: 10_000 });
    try {
      // The slow batch's own timeout runs out while the server sleeps; the later batch has the connection's.
      const slow = connection.send([["DEBUG", "SLEEP", "1"]], { timeoutMs: 200 }).then(
        () => "answered",
        (e: Error) => e.name,
      );
      // Not marked read-only, so the connection cannot know it changed nothing: its outcome is unknown, and it is not resent.
      expect(await slow).to.equal("OutcomeUnknown");
      const later = await connection.send([["PING"]]);
      expect(String(later[0])).to.equal("PONG");
    } finally {
      connection.close();
    }
  });

  describe("property: hostile documents and bodies never take more than one request's limits", () => {
    const keys = fc.constantFrom("a", "b", "big:1", "big:2", "big:3", "list", "set", "tenant:x");
    const arg = fc.oneof(keys, fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 300 }), fc.integer().map(String));
    const command = fc.oneof(
      fc.tuple(fc.constantFrom("GET", "STRLEN", "TYPE", "EXISTS"), keys),
      fc.tuple(fc.constant("MGET"), keys, keys, keys, keys),
      fc.tuple(fc.constantFrom("SET", "APPEND"), keys, arg),
      fc.tuple(fc.constantFrom("LPUSH", "SADD"), fc.constantFrom("list", "set"), arg, arg),
      fc.tuple(fc.constant("LRANGE"), fc.constant("list"), fc.integer({ min: -5, max: 5 }).map(String), fc.integer({ min: -1, max: 500 }).map(String)),
      fc.tuple(fc.constant("SRANDMEMBER"), fc.constant("set"), fc.integer({ min: -300, max: 300 }).map(String)),
      fc.array(arg, { minLength: 1, maxLength: 6 }),
    );
    const commands = fc.array(command, { minLength: 1, maxLength: 80 });
    const withinLimits = () => {
      expect(traffic.commands, "commands").to.be.at.most(limits.maxCommands);
      expect(traffic.bytes, "request bytes").to.be.at.most(limits.maxRequestBytes);
      expect(traffic.replyBytes, "reply bytes").to.be.at.most(limits.maxReplyBytes);
    };

    before(async () => {
      for (const i of [1, 2, 3]) await redisCommand(node.url, "SET", `big:${i}`, "v".repeat(20_000));
    });

    it("REST: pipelines, transactions and hostile JSON bodies", async () => {
      const body = fc.oneof(
        { weight: 8, arbitrary: commands },
        { weight: 1, arbitrary: fc.anything() },
        {
          weight: 1,
          arbitrary: fc.array(fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.object()), { maxLength: 5 }), { maxLength: 60 }),
        },
      );
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom("/pipeline", "/multi-exec"), async (payload, path) => {
          Object.assign(traffic, { commands: 0, bytes: 0, replyBytes: 0 });
          const { status } = await restCall(payload, path);
          expect([200, 400]).to.include(status);
          withinLimits();
        }),
        { numRuns: 150 },
      );
    });

    it("GraphQL: aliased fields, fragments and variables", async () => {
      const field = fc.record({ kind: fc.constantFrom("read", "run"), commands, inline: fc.boolean() });
      const document = fc.record({ fields: fc.array(field, { minLength: 1, maxLength: 5 }), fragment: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(document, async ({ fields, fragment }) => {
          Object.assign(traffic, { commands: 0, bytes: 0, replyBytes: 0 });
          // One operation type per document, like a client would send.
          const kind = fields[0].kind;
          const variables: Record<string, unknown> = {};
          const selections = fields.map((f, i) => {
            if (!f.inline) variables[`c${i}`] = f.commands;
            return `f${i}: ${kind}(commands: ${f.inline ? JSON.stringify(f.commands) : `$c${i}`}) { type error }`;
          });
          const declared = Object.keys(variables).map((v) => `$${v}: [[String!]!]!`);
          const head = `${kind === "read" ? "query" : "mutation"}${declared.length ? `(${declared.join(", ")})` : ""}`;
          const type = kind === "read" ? "Query" : "Mutation";
          const query = fragment ? `${head} { ...F } fragment F on ${type} { ${selections.join(" ")} }` : `${head} { ${selections.join(" ")} }`;
          const answer = await graphqlCall(query, variables);
          expect(answer.data !== undefined || answer.errors !== undefined).to.equal(true);
          withinLimits();
        }),
        { numRuns: 150 },
      );
    });
  });
});
