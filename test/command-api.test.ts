import { expect } from "chai";
import fc from "fast-check";
import { resolveCommandField, type AppSyncResolverEvent } from "../domain/command-gateway/appsync-resolver.js";
import { callerId, type CommandGateway } from "../domain/command-gateway/gateway.js";
import { startRedis, type RedisNode } from "../local/launcher/services.js";
import { gatewayOn } from "./harness/command-gateway.js";
import { eventually } from "./harness/eventually.js";

const event = (parentTypeName: "Query" | "Mutation", fieldName: string, args: Record<string, unknown>, apiKey = "da2-test"): AppSyncResolverEvent => ({
  arguments: args,
  identity: null,
  request: { headers: { "x-api-key": apiKey } },
  info: { parentTypeName, fieldName },
});
const run = (commands: unknown, transaction = false) => event("Mutation", "run", { commands, transaction });
const read = (commands: unknown) => event("Query", "read", { commands });
type Reply = { type: string; value: string | null; error: string | null };
const values = (replies: unknown) => (replies as Reply[]).map((r) => (r.type === "ERROR" ? `error:${r.error}` : (JSON.parse(r.value ?? "null") as unknown)));

describe("command API resolver (Direct Lambda Resolver events, real redis-server)", function () {
  this.timeout(20_000);
  let node: RedisNode;
  let gateway: CommandGateway;
  let roundTrips: () => number;
  let close: () => void;

  before(async () => {
    node = await startRedis();
    const scoped = await gatewayOn(node.url, { keyPrefixes: { [callerId("da2-tenant-a")]: "tenant-a:" } });
    ({ gateway, roundTrips } = scoped);
    close = () => scoped.connection.close();
  });
  after(async () => {
    close();
    await node.stop();
  });

  it('mutation [["SET","a","1"],["INCR","a"],["GET","a"]] returns OK, 2, "2" from one pipeline', async () => {
    const before = roundTrips();
    const replies = (await resolveCommandField(
      gateway,
      run([
        ["SET", "a", "1"],
        ["INCR", "a"],
        ["GET", "a"],
      ]),
    )) as Reply[];
    expect(roundTrips() - before).to.equal(1);
    expect(replies.map((r) => r.type)).to.deep.equal(["STATUS", "INTEGER", "STRING"]);
    expect(values(replies)).to.deep.equal(["OK", 2, "2"]);
  });

  it("a wrong-type error in the middle is that command's reply; the others succeed", async () => {
    const replies = await resolveCommandField(
      gateway,
      run([
        ["SET", "s", "x"],
        ["LPUSH", "s", "y"],
        ["GET", "s"],
      ]),
    );
    expect(values(replies)).to.deep.equal(["OK", "error:WRONGTYPE Operation against a key holding the wrong kind of value", "x"]);
  });

  it("keeps nested arrays, nil and big integers typed", async () => {
    await resolveCommandField(
      gateway,
      run([
        ["DEL", "l", "big"],
        ["RPUSH", "l", "a", "b"],
        ["SET", "big", "9007199254740993"],
      ]),
    );
    const replies = (await resolveCommandField(
      gateway,
      run([
        ["LRANGE", "l", "0", "-1"],
        ["GET", "missing"],
        ["INCR", "big"],
        ["XADD", "st", "1-1", "f", "v"],
        ["XRANGE", "st", "-", "+"],
      ]),
    )) as Reply[];
    expect(replies.map((r) => r.type)).to.deep.equal(["ARRAY", "NIL", "INTEGER", "STRING", "ARRAY"]);
    expect(JSON.parse(replies[0].value!)).to.deep.equal([
      { type: "STRING", value: "a" },
      { type: "STRING", value: "b" },
    ]);
    expect(replies[1].value).to.equal(null);
    expect(JSON.parse(replies[2].value!)).to.equal("9007199254740994");
    expect((JSON.parse(replies[4].value!) as { type: string }[])[0].type).to.equal("ARRAY");
  });

  it("runs the mutation as one MULTI/EXEC transaction when asked", async () => {
    const before = roundTrips();
    const replies = await resolveCommandField(
      gateway,
      run(
        [
          ["SET", "t", "1"],
          ["INCR", "t"],
        ],
        true,
      ),
    );
    expect(roundTrips() - before).to.equal(1);
    expect(values(replies)).to.deep.equal(["OK", 2]);
  });

  it("query allows GET, HGETALL, MGET, SCAN and refuses SET before anything runs", async () => {
    await resolveCommandField(gateway, run([["HSET", "h", "f", "v"]]));
    const replies = (await resolveCommandField(
      gateway,
      read([
        ["GET", "a"],
        ["hgetall", "h"],
        ["MGET", "a", "h"],
        ["SCAN", "0", "COUNT", "1000"],
      ]),
    )) as Reply[];
    expect(replies.map((r) => r.type)).to.deep.equal(["STRING", "ARRAY", "ARRAY", "ARRAY"]);
    let error: Error | undefined;
    await resolveCommandField(
      gateway,
      read([
        ["GET", "a"],
        ["SET", "a", "changed"],
      ]),
    ).catch((e: Error) => (error = e));
    expect(error?.name).to.equal("CommandRefused");
    expect(error?.message).to.equal("ERR command 'set' is not allowed: not a read-only command, and this request may only read (command 2)");
    expect(values(await resolveCommandField(gateway, read([["GET", "a"]])))).to.deep.equal(["2"]);
  });

  it("the deny list holds on the mutation and nothing of the request runs", async () => {
    let error: Error | undefined;
    await resolveCommandField(gateway, run([["SET", "x", "1"], ["FLUSHALL"]])).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/'flushall' is not allowed: administrative/);
    expect(values(await resolveCommandField(gateway, read([["EXISTS", "x"]])))).to.deep.equal([0]);
  });

  it("keeps the original design's fields working", async () => {
    const put = await resolveCommandField(
      gateway,
      event("Mutation", "putRedis", {
        Command: [
          ["SET", "orig", "hello world"],
          ["GET", "orig"],
        ],
      }),
    );
    expect(JSON.parse(put as string)).to.deep.equal(["OK", "hello world"]);
    expect(await resolveCommandField(gateway, event("Query", "getRedis", { Command: ["GET", "orig"] }))).to.deep.equal(["hello world"]);
    let error: Error | undefined;
    await resolveCommandField(gateway, event("Query", "getRedis", { Command: ["FLUSHALL"] })).catch((e: Error) => (error = e));
    expect(error?.name).to.equal("CommandRefused");
  });

  it("enforces limits with errors that name them", async () => {
    const limited = await gatewayOn(node.url, { maxCommands: 2, maxRequestBytes: 30, maxReplyBytes: 5, maxKeysScanSize: 1 });
    try {
      const attempt = async (commands: unknown) => resolveCommandField(limited.gateway, run(commands)).catch((e: Error) => e.message);
      expect(
        await attempt([
          ["GET", "a"],
          ["GET", "a"],
          ["GET", "a"],
        ]),
      ).to.equal("3 commands exceed the limit of 2 commands per request");
      // 56 bytes as Redis receives them: *3, $3 SET, $1 k, $28 and the value, each with CRLFs.
      expect(await attempt([["SET", "k", "0123456789012345678901234567"]])).to.equal(
        "request exceeds the limit of 30 bytes (as sent to Redis, arguments and their framing)",
      );
      expect(await attempt([["KEYS", "*"]])).to.match(/'keys' is not allowed: it walks a keyspace of \d+ keys \(limit 1\): use SCAN/);
      await resolveCommandField(gateway, run([["SET", "long", "0123456789"]]));
      expect(values(await resolveCommandField(limited.gateway, run([["GET", "long"]])))).to.deep.equal([
        "error:ERR reply dropped: replies exceed the limit of 5 bytes per request (as received from Redis); the command ran",
      ]);
    } finally {
      limited.connection.close();
    }
  });

  it("scopes a caller to its key prefix (per API key)", async () => {
    const scoped = (commands: unknown) => resolveCommandField(gateway, event("Mutation", "run", { commands }, "da2-tenant-a")).catch((e: Error) => e.message);
    expect(values(await scoped([["SET", "tenant-a:k", "1"]]))).to.deep.equal(["OK"]);
    expect(await scoped([["GET", "tenant-b:k"]])).to.match(/key 'tenant-b:k' is outside your key prefix 'tenant-a:'/);
  });

  it("a Redis outage is a clear retryable error, and the client reconnects when Redis is back", async function () {
    const own = await startRedis();
    const { gateway: g, connection } = await gatewayOn(own.url);
    try {
      expect(values(await resolveCommandField(g, run([["SET", "k", "v"]])))).to.deep.equal(["OK"]);
      const { port } = own;
      await own.stop();
      let error: (Error & { retryable?: boolean }) | undefined;
      const started = Date.now();
      await resolveCommandField(g, run([["GET", "k"]])).catch((e: Error) => (error = e));
      expect(error?.name).to.equal("RedisUnavailable");
      expect(error?.retryable).to.equal(true);
      expect(error?.message).to.match(/^Redis is unavailable, retry later: /);
      expect(Date.now() - started).to.be.below(10_000);
      const back = await startRedis({ port });
      try {
        const reply = await eventually(
          "the connection to come back",
          () => resolveCommandField(g, run([["PING"]])).catch(() => undefined),
          (r) => r !== undefined,
          5_000,
          100,
        );
        expect(values(reply)).to.deep.equal(["PONG"]);
      } finally {
        await back.stop();
      }
    } finally {
      connection.close();
    }
  });

  describe("property: random and hostile input never crashes the resolver", () => {
    const arg = fc.oneof(fc.string(), fc.constantFrom("GET", "SET", "HSET", "FLUSHALL", "EVAL", "KEYS", "*", "CONFIG", "\u0000", "💥", "-1", "BLOCK"));
    const hostile = fc.oneof(fc.array(fc.array(arg, { maxLength: 6 }), { maxLength: 8 }), fc.anything(), fc.array(fc.anything(), { maxLength: 4 }));
    const wellFormed = (replies: unknown) =>
      Array.isArray(replies) &&
      replies.every(
        (r: Reply) => ["STATUS", "STRING", "INTEGER", "NIL", "ARRAY", "ERROR"].includes(r.type) && (r.type !== "ERROR" || typeof r.error === "string"),
      );

    for (const [field, parent] of [
      ["run", "Mutation"],
      ["read", "Query"],
    ] as const) {
      it(`${parent}.${field}: a well-formed reply list or a named error`, async () => {
        await fc.assert(
          fc.asyncProperty(hostile, async (commands) => {
            try {
              const replies = await resolveCommandField(gateway, event(parent, field, { commands }, "da2-fuzz"));
              return wellFormed(replies);
            } catch (error) {
              return error instanceof Error && ["BadRequest", "CommandRefused"].includes(error.name) && error.message.length > 0;
            }
          }),
          { numRuns: 300 },
        );
      });
    }
  });
});

describe("Redis clients from settings", () => {
  it("a cluster client keeps the AUTH password and TLS when the caller adds its own redisOptions", async () => {
    const { connectRedisOrCluster } = await import("../domain/redis/clients.js");
    const cluster = (await connectRedisOrCluster(
      { url: "rediss://configuration.example.internal:6379", cluster: true },
      { lazyConnect: true, redisOptions: { maxRetriesPerRequest: null } },
    )) as import("ioredis").Cluster;
    try {
      expect(cluster.options.redisOptions).to.deep.include({ tls: {}, maxRetriesPerRequest: null, connectTimeout: 2_000 });
      expect(cluster.options.lazyConnect).to.equal(true);
    } finally {
      cluster.disconnect();
    }
  });
});
