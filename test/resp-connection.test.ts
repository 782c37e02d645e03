import { expect } from "chai";
import { createServer, type Server } from "node:net";
import { endpointFromUrl } from "../domain/redis/connector.js";
import { RedisUnavailable, RedisReplyError, RespConnection, type RespReply } from "../domain/redis/resp-connection.js";
import { freePort, redisCommand, startRedis, startReplicationGroup, type RedisNode } from "../local/launcher/services.js";

const text = (reply: RespReply): unknown => (Buffer.isBuffer(reply) ? reply.toString("utf8") : Array.isArray(reply) ? reply.map(text) : reply);

describe("RespConnection (raw RESP batches, real redis-server)", function () {
  this.timeout(20_000);
  let node: RedisNode;
  let connection: RespConnection;

  before(async () => {
    node = await startRedis();
    connection = new RespConnection(endpointFromUrl(node.url));
  });
  after(async () => {
    connection.close();
    await node.stop();
  });

  it("answers a batch in order with Redis's types; an error is that command's reply", async () => {
    const replies = await connection.send([
      ["SET", "s", "x"],
      ["LPUSH", "s", "y"],
      ["INCRBY", "n", "9007199254740993"],
      ["GET", "missing"],
      ["RPUSH", "l", "a", "b"],
      ["LRANGE", "l", "0", "-1"],
    ]);
    expect(text(replies[0])).to.equal("OK");
    expect(replies[1]).to.be.instanceOf(RedisReplyError);
    expect((replies[1] as Error).message).to.match(/^WRONGTYPE/);
    expect(replies[2]).to.equal("9007199254740993");
    expect(replies[3]).to.equal(null);
    expect(text(replies[5])).to.deep.equal(["a", "b"]);
  });

  it("keeps binary and multi-byte values intact", async () => {
    const value = "ünïcødé 🚀 \r\n $5 *2";
    const [, got] = await connection.send([
      ["SET", "u", value],
      ["GET", "u"],
    ]);
    expect((got as Buffer).toString("utf8")).to.equal(value);
  });

  it("matches every reply to its own batch when many are sent in the same turn", async () => {
    const batches = Array.from({ length: 200 }, (_, i) =>
      connection.send([
        ["SET", `c${i}`, String(i)],
        ["GET", `c${i}`],
      ]),
    );
    const replies = await Promise.all(batches);
    replies.forEach(([, value], i) => expect(text(value)).to.equal(String(i)));
  });

  it("runs MULTI/EXEC and, when Redis discards it, names the refused command", async () => {
    expect(
      text(
        await connection.transaction([
          ["SET", "t", "1"],
          ["INCR", "t"],
        ]),
      ),
    ).to.deep.equal(["OK", "2"]);
    let error: Error | undefined;
    await connection.transaction([["SET", "t", "5"], ["NOSUCHCOMMAND"]]).catch((e: Error) => (error = e));
    expect(error).to.be.instanceOf(RedisReplyError);
    expect(error?.message).to.match(/^EXECABORT .* Command 2: ERR unknown command 'NOSUCHCOMMAND'/);
    expect(text((await connection.send([["GET", "t"]]))[0])).to.equal("2");
  });

  it("authenticates with the URL's password and reports a refused AUTH as a connection error", async () => {
    const own = await startRedis();
    try {
      await redisCommand(own.url, "CONFIG", "SET", "requirepass", "s3cret");
      const good = new RespConnection(endpointFromUrl(own.url.replace("redis://", "redis://:s3cret@")));
      expect(text(await good.send([["PING"]]))).to.deep.equal(["PONG"]);
      good.close();
      const bad = new RespConnection(endpointFromUrl(own.url.replace("redis://", "redis://:wrong@")));
      let error: Error | undefined;
      await bad.send([["PING"]]).catch((e: Error) => (error = e));
      expect(error).to.be.instanceOf(RedisUnavailable);
      expect(error?.message).to.match(/^AUTH refused: WRONGPASS/);
      bad.close();
    } finally {
      await own.stop();
    }
  });

  it("fails fast with a connection error when nothing listens, and when a node stops answering", async () => {
    const closed = new RespConnection({ host: "127.0.0.1", port: await freePort(), connectTimeoutMs: 500 });
    let error: Error | undefined;
    await closed.send([["PING"]]).catch((e: Error) => (error = e));
    expect(error).to.be.instanceOf(RedisUnavailable);
    expect(error?.message).to.match(/ECONNREFUSED/);

    // A server that accepts and never answers: the batch times out instead of hanging.
    const silent: Server = createServer(() => {});
    const port = await freePort();
    await new Promise<void>((r) => silent.listen(port, "127.0.0.1", r));
    const stuck = new RespConnection({ host: "127.0.0.1", port, commandTimeoutMs: 300 });
    const started = Date.now();
    const timedOut = await stuck.send([["PING"]], { idempotent: true }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(timedOut).to.be.instanceOf(RedisUnavailable);
    expect(timedOut?.message).to.match(/no reply from 127\.0\.0\.1:\d+ in 300 ms/);
    expect(Date.now() - started).to.be.below(3_000);
    stuck.close();
    silent.close();
  });

  it("after a READONLY reply (a demoted primary) reconnects and resends the batch once", async () => {
    const group = await startReplicationGroup({ replicas: 1 });
    const onReplica = new RespConnection(endpointFromUrl(group.replicas[0].url));
    try {
      const [before] = await onReplica.send([["CLIENT", "ID"]]);
      const [refused] = await onReplica.send([["SET", "k", "v"]]);
      expect((refused as Error).message).to.match(/^READONLY/);
      const [after] = await onReplica.send([["CLIENT", "ID"]]);
      // Replaced for the resend, and again after the resend saw READONLY too: two new connections.
      expect(Number(after)).to.be.greaterThan(Number(before) + 1);
    } finally {
      onReplica.close();
      await group.stop();
    }
  });
});
