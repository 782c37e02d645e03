import { defaultGatewaySettings } from "../domain/command-gateway/settings.js";
import { expect } from "chai";
import { classifyCommand, type CommandPolicy } from "../domain/command-gateway/classifier.js";
import { CommandRefused } from "../domain/command-gateway/errors.js";
import { deserializeTable, docsByName, engineOfInfo, parseCommandReply, serializeTable, withDocs } from "../domain/command-gateway/command-table.js";
import { shippedTable } from "../domain/command-gateway/gateway.js";
import { RequestBudget } from "../domain/command-gateway/batch.js";
import { gatewaySettings, gatewayOn } from "./harness/command-gateway.js";
import { CommandGateway } from "../domain/command-gateway/gateway.js";
import { RespConnection } from "../domain/redis/resp-connection.js";
import { endpointFromUrl } from "../domain/redis/connector.js";
import { redisCommand, startRedis } from "../local/launcher/services.js";

const table = deserializeTable(shippedTable.commands);
const read: CommandPolicy = { access: "read", allowScripts: false, settings: defaultGatewaySettings, allowance: new RequestBudget(defaultGatewaySettings) };
const write: CommandPolicy = { ...read, access: "write" };
const refusal = (args: string[], policy: CommandPolicy) => {
  try {
    classifyCommand(args, table, policy);
    return undefined;
  } catch (error) {
    expect(error).to.be.instanceOf(CommandRefused);
    return (error as Error).message;
  }
};

describe("command classifier (the exposure list, each command parsed against its documented grammar)", () => {
  it("allows read-only commands in a query", () => {
    for (const args of [
      ["GET", "a"],
      ["HGETALL", "h"],
      ["MGET", "a", "b"],
      ["SCAN", "0"],
      ["LRANGE", "l", "0", "-1"],
      ["XREAD", "STREAMS", "s", "0"],
      ["OBJECT", "ENCODING", "k"],
      ["PING"],
    ]) {
      expect(refusal(args, read), args.join(" ")).to.equal(undefined);
    }
  });

  it("refuses writes in a query, naming the command", () => {
    expect(refusal(["SET", "a", "1"], read)).to.equal("ERR command 'set' is not allowed: not a read-only command, and this request may only read");
    expect(refusal(["SORT", "l"], read)).to.match(/'sort' is not allowed: not a read-only command/);
    expect(refusal(["SORT_RO", "l"], read)).to.equal(undefined);
  });

  it("holds the deny list on both queries and mutations", () => {
    for (const policy of [read, write]) {
      for (const [args, why] of [
        [["FLUSHALL"], /administrative/],
        [["FLUSHDB"], /administrative/],
        [["CONFIG", "GET", "maxmemory"], /administrative/],
        [["DEBUG", "SLEEP", "0"], /administrative/],
        [["SHUTDOWN"], /administrative/],
        [["MONITOR"], /administrative/],
        [["BLPOP", "l", "0"], /blocking/],
        [["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], /blocking/],
        [["SUBSCRIBE", "c"], /pub\/sub/],
        [["PSUBSCRIBE", "c*"], /pub\/sub/],
        [["MEMORY", "DOCTOR"], /administrative/],
        [["COMMAND", "GETKEYS", "GET", "k"], /administrative/],
        [["EVAL", "return 1", "0"], /scripts are disabled/],
        [["SCRIPT", "FLUSH"], /administrative/],
        [["SELECT", "1"], /shared connection/],
        [["CLIENT", "LIST"], /shared connection/],
        [["MULTI"], /raw transaction/],
        [["WAIT", "1", "0"], /administrative/],
        [["LOLWUT", "VERSION", "6", "1000", "1000"], /arguments it does not document/],
        [["LCS", "a", "b"], /product of both strings/],
        [["DUMP", "k"], /administrative/],
      ] as [string[], RegExp][]) {
        expect(refusal(args, policy), `${policy.access}: ${args.join(" ")}`).to.match(why);
      }
    }
  });

  it("allows scripts only when enabled; a query runs registered scripts only (EVALSHA_RO, FCALL_RO), so it cannot fill the script cache", () => {
    const settings = { ...defaultGatewaySettings, allowEval: true, registeredScripts: ["f", "a".repeat(40)] };
    const [write_, read_] = [write, read].map((p) => ({ ...p, settings }));
    expect(refusal(["EVAL", "return 1", "0"], { ...write_, allowScripts: true })).to.equal(undefined);
    expect(refusal(["EVAL", "return 1", "0"], { ...write, allowScripts: true })).to.match(/raw Lua is off \(ALLOW_EVAL\)/);
    expect(refusal(["EVALSHA_RO", "b".repeat(40), "0"], { ...read_, allowScripts: true })).to.match(/is not a registered script or function/);
    expect(refusal(["EVAL", "return 1", "0"], { ...read_, allowScripts: true })).to.match(/may only read: use EVALSHA_RO or FCALL_RO/);
    expect(refusal(["FCALL", "f", "0"], { ...read_, allowScripts: true })).to.match(/may only read/);
    expect(refusal(["FCALL_RO", "f", "0"], { ...read_, allowScripts: true })).to.equal(undefined);
    expect(refusal(["EVALSHA_RO", "a".repeat(40), "0"], { ...read_, allowScripts: true })).to.equal(undefined);
    expect(refusal(["EVAL_RO", "return 1", "0"], { ...read_, allowScripts: true })).to.match(/runs loaded scripts only/);
    expect(refusal(["SCRIPT", "LOAD", "return 1"], { ...read_, allowScripts: true })).to.match(/runs loaded scripts only/);
  });

  it("checks arity and unknown commands as Redis would", () => {
    expect(refusal(["GET"], read)).to.equal("ERR wrong number of arguments for 'get' command");
    expect(refusal(["NOPE"], read)).to.equal("ERR unknown command 'NOPE'");
    expect(refusal(["OBJECT", "NOPE", "k"], read)).to.equal("ERR unknown subcommand 'NOPE' for 'object'");
  });

  it("sends KEYS only after a keyspace-size check instead of refusing it outright", () => {
    expect(classifyCommand(["KEYS", "*"], table, read).checks.map((c) => c.probes)).to.deep.equal([[["DBSIZE"]]]);
  });

  it("confines keys to the caller's prefix", () => {
    const scoped = { ...write, keyPrefix: "tenant-a:" };
    expect(classifyCommand(["MSET", "tenant-a:x", "1", "tenant-a:y", "2"], table, scoped).keys).to.deep.equal(["tenant-a:x", "tenant-a:y"]);
    expect(refusal(["MSET", "tenant-a:x", "1", "tenant-b:y", "2"], scoped)).to.match(/key 'tenant-b:y' is outside your key prefix 'tenant-a:'/);
    // KEYS and SCAN walk the keyspace: under a prefix their pattern must start with it.
    expect(refusal(["SCAN", "0"], scoped)).to.equal("ERR command 'scan' is not allowed: under a key prefix its pattern must start with 'tenant-a:'");
    expect(refusal(["SCAN", "0", "MATCH", "*"], scoped)).to.match(/must start with 'tenant-a:'/);
    expect(refusal(["SCAN", "0", "MATCH", "tenant-a:*", "COUNT", "100"], scoped)).to.equal(undefined);
    // KEYS lists names the engine's key patterns do not filter: under a prefix, SCAN with MATCH instead.
    expect(refusal(["KEYS", "tenant-a:*"], scoped)).to.match(/use SCAN with MATCH <prefix>\*/);
    expect(refusal(["SCAN", "0", "MATCH", "t*"], { ...scoped, keyPrefix: "t*:" })).to.match(/must start with/);
    expect(refusal(["RANDOMKEY"], scoped)).to.match(/beyond your key prefix/);
    expect(refusal(["DBSIZE"], scoped)).to.match(/beyond your key prefix/);
    expect(refusal(["PUBLISH", "tenant-b:news", "m"], scoped)).to.match(/channel 'tenant-b:news' is outside your key prefix/);
    expect(refusal(["PUBLISH", "tenant-a:news", "m"], scoped)).to.equal(undefined);
    expect(refusal(["PUBSUB", "CHANNELS"], { ...scoped, access: "read" })).to.match(/must start with/);
    expect(refusal(["TIME"], scoped)).to.equal(undefined);
    // A script reaches keys it never declares: with a prefix, scripts stay off even where enabled.
    expect(refusal(["EVAL", "return 1", "1", "tenant-a:k"], { ...scoped, allowScripts: true })).to.match(
      /'eval' is not allowed: scripts cannot be confined to a key prefix/,
    );
    expect(refusal(["EVAL_RO", "return 1", "1", "tenant-a:k"], { ...scoped, access: "read", allowScripts: true })).to.match(/scripts cannot be confined/);
  });

  it("classifies by what a command can do: harmless commands pass, the deny list stays absolute", () => {
    // What @upstash/redis's own tests send: no key, no write, no admin.
    for (const args of [
      ["TIME"],
      ["ECHO", "hi"],
      ["PING"],
      ["MEMORY", "USAGE", "k"],
      ["COMMAND", "DOCS", "get"],
      ["COMMAND", "COUNT"],
      ["PUBSUB", "NUMSUB", "c"],
    ]) {
      expect(refusal(args, read), args.join(" ")).to.equal(undefined);
      expect(refusal(args, write), args.join(" ")).to.equal(undefined);
    }
    // PUBLISH delivers a message (a write, subscribes to nothing); SUBSCRIBE stays out.
    expect(refusal(["PUBLISH", "c", "m"], write)).to.equal(undefined);
    expect(refusal(["PUBLISH", "c", "m"], read)).to.match(/not a read-only command/);
    expect(refusal(["SUBSCRIBE", "c"], write)).to.match(/pub\/sub/);
    for (const args of [["MEMORY", "PURGE"], ["COMMAND", "NOPE"], ["CLIENT", "KILL", "ID", "1"], ["CONFIG", "SET", "x", "y"], ["INFO"], ["ROLE"]]) {
      expect(refusal(args, write), args.join(" ")).to.be.a("string");
    }
  });

  it("refuses every command that reaches another logical database, like SELECT", () => {
    expect(refusal(["MOVE", "k", "1"], write)).to.equal("ERR command 'move' is not allowed: it reaches another logical database");
    expect(refusal(["COPY", "a", "b", "DB", "1"], write)).to.equal("ERR command 'copy' is not allowed: it reaches another logical database");
    expect(refusal(["COPY", "a", "b", "REPLACE", "db", "0"], write)).to.match(/another logical database/);
    expect(refusal(["COPY", "a", "b", "REPLACE"], write)).to.equal(undefined);
    expect(refusal(["SWAPDB", "0", "1"], write)).to.match(/administrative/);
    expect(refusal(["SELECT", "1"], write)).to.match(/shared connection/);
  });

  it("until the server's COMMAND DOCS arrives, the shipped grammars decide (a request is never refused for want of them)", async () => {
    const node = await startRedis();
    const connection = new RespConnection(endpointFromUrl(node.url));
    const send = connection.send.bind(connection);
    // The docs never come: only the shipped grammars can classify.
    connection.send = (commands, options) => (commands[0]?.[0] === "COMMAND" && commands[0][1] === "DOCS" ? new Promise(() => {}) : send(commands, options));
    try {
      const gateway = new CommandGateway(connection, gatewaySettings());
      const results = await gateway.run(
        [
          ["SET", "k", "v", "EX", "10", "NX"],
          ["SCAN", "0", "MATCH", "k*", "COUNT", "10"],
          ["ZRANGE", "z", "0", "-1"],
        ],
        { access: "write", transaction: false },
      );
      expect(results.map((r) => r.reply.ok)).to.deep.equal([true, true, true]);
      await gateway.run([["SCAN", "0", "MATCH", "a", "MATCH", "b"]], { access: "read", transaction: false }).then(
        () => expect.fail("a MATCH given twice ran"),
        (e: Error) => expect(e.message).to.match(/MATCH is given twice/),
      );
    } finally {
      connection.close();
      await node.stop();
    }
  });

  it("the live server's table wins; the shipped fallback names the engine and version it came from", async () => {
    const node = await startRedis();
    try {
      const server = engineOfInfo(String(await redisCommand(node.url, "INFO", "server")));
      const docs = docsByName(await redisCommand(node.url, "COMMAND", "DOCS"));
      const live = withDocs(parseCommandReply((await redisCommand(node.url, "COMMAND")) as unknown[]), docs);
      expect(shippedTable.engine).to.be.oneOf(["valkey", "redis"]);
      expect(shippedTable.version).to.match(/^\d+\.\d+\.\d+$/);
      if (server.engine === shippedTable.engine && server.version === shippedTable.version) {
        expect(serializeTable(live)).to.deep.equal(shippedTable.commands);
      }
      // Whichever engine runs, the gateway reads its own table, each command's grammar included.
      const { gateway, connection } = await gatewayOn(node.url);
      const used = await gateway.commandTable();
      await gateway.docs;
      connection.close();
      expect(used.size).to.equal(live.size);
      expect(used.get("srandmember")?.doc?.arguments.map((a) => [a.name, a.type, a.flags])).to.deep.equal([
        ["key", "key", []],
        ["count", "integer", ["optional"]],
      ]);
      // And it decides the same on either engine's table for what both have.
      for (const args of [["GET", "a"], ["SET", "a", "1"], ["FLUSHALL"], ["TIME"], ["SRANDMEMBER", "s", "-20000"], ["PUBLISH", "c", "m"]]) {
        const on = (t: typeof table) => {
          try {
            classifyCommand(args, t, write);
            return "allowed";
          } catch (error) {
            return (error as Error).message;
          }
        };
        expect(on(used), `${args.join(" ")} on ${server.engine} ${server.version}`).to.equal(on(table));
      }
    } finally {
      await node.stop();
    }
  });
});
