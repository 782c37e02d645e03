import { defaultGatewaySettings } from "../domain/command-gateway/settings.js";
import { expect } from "chai";
import { classifyCommand } from "../domain/command-gateway/classifier.js";
import { RequestBudget } from "../domain/command-gateway/batch.js";
import type { CommandTable } from "../domain/command-gateway/command-table.js";
import { exposure } from "../domain/command-gateway/exposure.js";
import { parseArguments } from "../domain/redis/command-grammar.js";
import { endpointFromUrl } from "../domain/redis/connector.js";
import { aclSetUser, gatewayUser } from "../domain/redis/engine-users.js";
import { RespConnection } from "../domain/redis/resp-connection.js";
import { redisCommand, startRedis, type RedisNode } from "../local/launcher/services.js";
import { gatewayOn } from "./harness/command-gateway.js";
import { wellFormed } from "./harness/grammar-vectors.js";
import { random } from "./harness/workload.js";

const seed = Number(process.env.GRAMMAR_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Where the engine's own key lookup is known to be wrong for a well-formed vector, and why. */
const engineQuirks: { command: string; when: (args: string[]) => boolean; why: string }[] = [
  { command: "*", when: (args) => args.length === 1, why: "redis-server 7.0's COMMAND GETKEYS refuses a command given without arguments (PING, TIME)" },
  { command: "pfmerge", when: (args) => args.length === 2, why: "COMMAND GETKEYS refuses PFMERGE with no source key, which PFMERGE itself runs (arity -2)" },
  ...["geosearch", "geosearchstore"].map((command) => ({
    command,
    when: (args: string[]) => args.some((a) => /^BYPOLYGON$/i.test(a)) || !args.some((a) => /^(FROMMEMBER|FROMLONLAT)$/i.test(a)),
    why: "Valkey 9's docs make FROM optional (BYPOLYGON needs none), but BYRADIUS and BYBOX still need it; and BYPOLYGON's count (3 or more) must match its vertices, which the docs do not say",
  })),
];

describe(`the command grammar against the engine's own key lookup (seed ${seed}; GRAMMAR_SEED=${seed} repeats it)`, function () {
  this.timeout(120_000);
  let node: RedisNode;
  let table: CommandTable;
  let raw: RespConnection;

  before(async () => {
    node = await startRedis();
    const { gateway, connection } = await gatewayOn(node.url);
    table = await gateway.commandTable();
    connection.close();
    raw = new RespConnection({ ...endpointFromUrl(node.url), commandTimeoutMs: 10_000 });
  });
  after(async () => {
    raw.close();
    await node.stop();
  });

  it("for random well-formed vectors of every exposed command, the keys the parse names are the keys COMMAND GETKEYS names", async () => {
    const next = random(seed);
    const mismatches: string[] = [];
    let compared = 0;
    let quirks = 0;
    const commands = Object.keys(exposure).filter((name) => table.get(name)?.doc);
    for (const name of commands) {
      const prefix = name.split("|");
      const vectors = Array.from({ length: 12 }, () => wellFormed(prefix, table.get(name)!.doc!, next));
      const replies = await raw.send(
        vectors.map((v) => ["COMMAND", "GETKEYS", ...v]),
        { idempotent: true },
      );
      vectors.forEach((vector, i) => {
        const ours = parseArguments(name, table.get(name)!.doc!, vector, prefix.length).keys.map((k) => k.value);
        const reply = replies[i];
        // A command with no key specs answers an error: no keys.
        const engine = Array.isArray(reply) ? reply.map(String) : /no key arguments/.test(String((reply as Error)?.message)) ? [] : undefined;
        if (engine === undefined && engineQuirks.some((q) => (q.command === name || q.command === "*") && q.when(vector))) return void quirks++;
        if (engine === undefined) return void mismatches.push(`${vector.join(" ")}: the engine refuses it: ${(reply as Error).message}`);
        compared++;
        if ([...ours].sort().join(" ") !== [...engine].sort().join(" "))
          mismatches.push(`${vector.join(" ")}: parse ${ours.join(",")} / engine ${engine.join(",")}`);
      });
    }
    console.log(
      `      ${commands.length} commands, ${compared} vectors compared with COMMAND GETKEYS, ${mismatches.length} differences, ${quirks} left out where the engine is known wrong`,
    );
    expect(mismatches).to.deep.equal([]);
    expect(commands.length).to.be.above(190);
  });

  it("every known last-wins command is refused before it runs, though the engine acts on the last option", async () => {
    const policy = { access: "write" as const, allowScripts: false, settings: defaultGatewaySettings, allowance: new RequestBudget(defaultGatewaySettings) };
    const refused = (args: string[], prefix?: string) => {
      try {
        classifyCommand(args, table, { ...policy, keyPrefix: prefix });
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    };
    await redisCommand(node.url, "GEOADD", "tenant-a:g", "15", "37", "m");
    const twice = ["GEORADIUS", "tenant-a:g", "15", "37", "200", "km", "STORE", "tenant-a:y", "STORE", "tenant-b:victim"];
    // Valkey 8 and Redis 7's key lookup name the first STORE, Valkey 9's the last; the command writes the last either way.
    const named = (await redisCommand(node.url, "COMMAND", "GETKEYS", ...twice)) as string[];
    expect(named[0]).to.equal("tenant-a:g");
    expect(named[1]).to.be.oneOf(["tenant-a:y", "tenant-b:victim"]);
    await redisCommand(node.url, ...twice);
    expect(await redisCommand(node.url, "EXISTS", "tenant-b:victim")).to.equal(1);
    for (const [args, why] of [
      [twice, /STORE is given twice/],
      [["GEORADIUSBYMEMBER", "g", "m", "1", "km", "STORE", "a", "STORE", "b"], /STORE is given twice/],
      [["SORT", "l", "STORE", "a", "STORE", "b"], /STORE is given twice/],
      [["SCAN", "0", "MATCH", "tenant-a:*", "MATCH", "*"], /MATCH is given twice/],
      [["XREADGROUP", "GROUP", "STREAMS", "c", "STREAMS", "s", ">"], /named STREAMS before the STREAMS option is misread/],
      [["XREAD", "COUNT", "1", "COUNT", "2", "STREAMS", "s", "0"], /COUNT is given twice/],
    ] as [string[], RegExp][]) {
      expect(refused(args), args.join(" ")).to.match(why);
    }
    // And the misread forms stay out for a tenant even where a twin is offered.
    expect(refused(["GEORADIUS", "tenant-a:g", "15", "37", "200", "km", "STORE", "tenant-a:y"], "tenant-a:")).to.match(/engine's own key lookup misreads/);
    expect(refused(["GEOSEARCHSTORE", "tenant-a:y", "tenant-a:g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "5"], "tenant-a:")).to.equal(
      undefined,
    );
  });

  it("the engine is the second wall: as a tenant's own engine user, Redis refuses every other prefix, whatever reaches it", async () => {
    const tenant = gatewayUser({ access: "write", prefix: "tenant-a:" }, { scripts: false });
    const reader = gatewayUser({ access: "read", prefix: "tenant-a:" }, { scripts: false });
    for (const user of [tenant, reader]) await redisCommand(node.url, ...aclSetUser(user, "tenant-password-0123456789"));
    const as = (name: string) => new RespConnection({ ...endpointFromUrl(node.url), username: name, password: "tenant-password-0123456789" });
    const writer = as(tenant.name);
    const readOnly = as(reader.name);
    try {
      await redisCommand(node.url, "SET", "tenant-a:x", "1");
      // Straight to Redis, as if the gateway had wrongly let each through.
      const attempts = [
        ["SET", "tenant-b:x", "1"],
        ["GET", "tenant-b:x"],
        ["COPY", "tenant-a:x", "tenant-b:copy"],
        ["RENAME", "tenant-a:x", "tenant-b:renamed"],
        ["SUNIONSTORE", "tenant-b:d", "tenant-a:x"],
        ["GEORADIUS", "tenant-a:g", "15", "37", "200", "km", "STORE", "tenant-a:y", "STORE", "tenant-b:victim"],
        ["SORT", "tenant-a:l", "STORE", "tenant-b:sorted"],
        ["PUBLISH", "tenant-b:news", "m"],
        ["EVAL", "return redis.call('GET', KEYS[1])", "1", "tenant-b:x"],
        ["KEYS", "*"],
        ["RANDOMKEY"],
        ["DBSIZE"],
        ["MOVE", "tenant-a:x", "1"],
        ["FLUSHALL"],
        ["CONFIG", "GET", "*"],
        ["CLIENT", "LIST"],
        ["SELECT", "1"],
        ["MEMORY", "USAGE", "tenant-b:x"],
      ];
      const replies = await writer.send(attempts);
      replies.forEach((reply, i) => expect(String((reply as Error)?.message), attempts[i].join(" ")).to.match(/^NOPERM/));
      expect(String((await writer.send([["GET", "tenant-a:x"]]))[0])).to.equal("1");
      const [write] = await readOnly.send([["SET", "tenant-a:x", "2"]]);
      expect(String((write as Error).message)).to.match(/^NOPERM/);
      expect(await redisCommand(node.url, "EXISTS", "tenant-b:copy", "tenant-b:renamed", "tenant-b:d", "tenant-b:sorted")).to.equal(0);
    } finally {
      writer.close();
      readOnly.close();
    }
  });
});
