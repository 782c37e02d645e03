import { expect } from "chai";
import { Redis } from "ioredis";
import { defaultGatewaySettings } from "../domain/command-gateway/settings.js";
import { redisCommand } from "../local/launcher/services.js";
import { aclSetUser, gatewayScopes, gatewayUser } from "../domain/redis/engine-users.js";
import { healthyAfter, neighboursBeside, startGatewayBed, type GatewayBed } from "./harness/gateway-bed.js";

/** One caller can never make another fail: what reaches the shared connection from one request stays that request's. */
describe("command gateway isolation: one caller's reply never breaks the shared connection for the others", function () {
  this.timeout(90_000);
  let bed: GatewayBed;

  before(async () => {
    bed = await startGatewayBed({ ...defaultGatewaySettings });
  });
  after(() => bed.stop());

  it("an error reply that echoes a 300 KB argument fails only its own request: 365 neighbours' requests meanwhile all succeed", async () => {
    const group = "g".repeat(300 * 1024);
    let neighbours = { answered: 0, failed: 0 };
    // Redis's own clock for stalls (a neighbour's PING from this busy process would time the test, not Redis).
    await redisCommand(bed.node.url, "CONFIG", "SET", "slowlog-log-slower-than", "100000");
    await redisCommand(bed.node.url, "SLOWLOG", "RESET");
    await healthyAfter(bed.node.url, async () => {
      const attack = Promise.all(Array.from({ length: 5 }, () => bed.rest([["XPENDING", "missing-stream", group]])));
      const { attack: attacks, ...counts } = await neighboursBeside(bed, 365, attack);
      neighbours = counts;
      for (const reply of attacks) expect(JSON.stringify(reply.body)).to.match(/NOGROUP|no such key|ERR/);
    });
    expect([neighbours.answered, neighbours.failed]).to.deep.equal([365, 0]);
    expect(await redisCommand(bed.node.url, "SLOWLOG", "LEN"), "commands Redis ran for 100 ms or more").to.equal(0);
  });

  it("nobody publishes on the keyspace notification channels: the gateway refuses it by name, and every gateway engine user is refused it straight at Redis", async () => {
    const refused = await bed.rest([["PUBLISH", "__keyevent@0__:hset", "person:forged"]], "/pipeline");
    expect(refused).to.deep.equal({
      status: 400,
      body: {
        error: "ERR command 'publish' is not allowed: channel '__keyevent@0__:hset' is the engine's keyspace notifications (the change feed trusts them)",
      },
    });
    for (const scope of gatewayScopes(["tenant-a:"]).filter((s) => s.access === "write")) {
      const user = gatewayUser(scope, { scripts: false });
      await redisCommand(bed.node.url, ...aclSetUser(user, "pw"));
      const client = new Redis(bed.node.url, { username: user.name, password: "pw", enableReadyCheck: false, maxRetriesPerRequest: 0 });
      const as = (...args: string[]) => client.call(args[0], ...args.slice(1)).catch((e: Error) => e.message);
      for (const channel of ["__keyevent@0__:hset", "__keyspace@0__:person:1"]) {
        expect(await as("PUBLISH", channel, "person:forged"), `${user.name} ${channel}`).to.match(/^NOPERM/);
      }
      // What the scope may publish on, it still may.
      const own = scope.prefix ? `${scope.prefix}news` : "news";
      expect(await as("PUBLISH", own, "hello"), `${user.name} ${own}`).to.equal(0);
      if (!scope.prefix) for (const channel of ["__key", "__keyevents", "_x", "__keyspace"]) expect(await as("PUBLISH", channel, "x"), channel).to.equal(0);
      // What the gateway refuses, the engine refuses too where ACL can name it.
      const mine = (k: string) => `${scope.prefix ?? ""}${k}`;
      for (const command of [["LCS", mine("a"), mine("b")], ["LOLWUT"], ["DUMP", mine("a")]]) {
        expect(await as(...command), `${user.name} ${command[0]}`).to.match(/^NOPERM/);
      }
      client.disconnect();
    }
  });

  it("GraphQL: every alias costs, whatever it selects, and a variables payload past any request's size is refused before it is coerced", async () => {
    Object.assign(bed.traffic, { commands: 0, bytes: 0, replyBytes: 0 });
    const commands = Array.from({ length: 100 }, (_, i) => ["GET", `k${i}`]);
    const aliases = Array.from({ length: 1_000 }, (_, i) => `t${i}: type`).join(" ");
    const many = await bed.graphqlAs(bed.apiKey, `mutation ($c: [[String!]!]!) { run(commands: $c) { ${aliases} } }`, { c: commands });
    expect(JSON.stringify(many)).to.match(
      /the reply selection repeats 1000 fields \(aliases included\) for each of 100 replies: 6400000 bytes, over the limit of 4194304 reply bytes/,
    );
    // The everyday selection runs.
    const everyday = (await bed.graphqlAs(bed.apiKey, `mutation ($c: [[String!]!]!) { run(commands: $c) { type value error __typename } }`, {
      c: commands,
    })) as { data: { run: unknown[] } };
    expect(everyday.data.run).to.have.length(100);
    // A million empty commands (4.8 MiB of variables) are counted, not coerced.
    const flood = (await bed.graphqlAs(bed.apiKey, `mutation ($c: [[String!]!]!) { run(commands: $c) { type } }`, {
      c: Array.from({ length: 1_000_000 }, () => []),
    })) as { errors: { message: string }[] };
    expect(flood.errors[0].message).to.match(/^the variables hold more than \d+ values: more than any request within MAX_REQUEST_BYTES needs$/);
    // Only the everyday request reached Redis.
    expect(bed.traffic.commands).to.equal(100);
  });

  it("per-credential rates: past its burst a credential gets 429 with Retry-After while another's requests all succeed; work has its own rate", async () => {
    const limited = await startGatewayBed({ ...defaultGatewaySettings, requestsPerSecond: 1, requestBurst: 5, workPerSecond: 250 });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 8; i++) {
        const response = await fetch(`${limited.restUrl}/ping`, { headers: { authorization: `Bearer ${limited.token}` } });
        statuses.push(response.status);
        if (response.status === 429) retryAfter = response.headers.get("retry-after");
      }
      expect(statuses.filter((s) => s === 429).length).to.be.at.least(2);
      expect(statuses.slice(0, 5)).to.deep.equal([200, 200, 200, 200, 200]);
      expect(Number(retryAfter)).to.be.at.least(1);
      // The tenant's credential has buckets of its own.
      expect((await limited.rest([["PING"]], "/pipeline", limited.tenantToken)).status).to.equal(200);
      // Work: LRANGE of 200 elements twice passes the read credential's 250 elements a second.
      await redisCommand(limited.node.url, "RPUSH", "l", ...Array.from({ length: 200 }, (_, i) => String(i)));
      expect((await limited.rest([["LRANGE", "l", "0", "199"]], "/pipeline", limited.readToken)).status).to.equal(200);
      const second = await limited.rest([["LRANGE", "l", "0", "199"]], "/pipeline", limited.readToken);
      expect(second).to.deep.include({ status: 429 });
      expect((second.body as { error: string }).error).to.match(/more than 250 elements of work per second for this credential/);
    } finally {
      await limited.stop();
    }
  });

  it("scripts as registered functions: a script in the cache that is not registered (the listener's own) is out of reach; a registered one runs; raw EVAL stays off", async () => {
    const scripts = await startGatewayBed({ ...defaultGatewaySettings, allowScripts: true });
    try {
      // Another client's script in the server's cache, as the listener's snapshot script is.
      const theirs = String(await redisCommand(scripts.node.url, "SCRIPT", "LOAD", "return redis.call('HGETALL', KEYS[1])"));
      const refused = await scripts.rest([["EVALSHA_RO", theirs, "1", "h"]], "/pipeline", scripts.readToken);
      expect((refused.body as { error: string }).error).to.equal(
        `ERR command 'evalsha_ro' is not allowed: '${theirs}' is not a registered script or function (REGISTERED_SCRIPTS)`,
      );
      const raw = await scripts.rest([["EVAL", "return 1", "0"]]);
      expect((raw.body as { error: string }).error).to.match(/raw Lua is off \(ALLOW_EVAL\): run a registered script with EVALSHA or FCALL/);
    } finally {
      await scripts.stop();
    }
    const registered = await startGatewayBed({
      ...defaultGatewaySettings,
      allowScripts: true,
      registeredScripts: ["e0e1f9fabfc9d4800c877a703b823ac0578ff8db"],
    });
    try {
      const sha = String(await redisCommand(registered.node.url, "SCRIPT", "LOAD", "return 1"));
      expect(sha).to.equal("e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
      expect((await registered.rest([["EVALSHA_RO", sha, "0"]], "/pipeline", registered.readToken)).body).to.deep.equal([{ result: 1 }]);
    } finally {
      await registered.stop();
    }
  });
});
