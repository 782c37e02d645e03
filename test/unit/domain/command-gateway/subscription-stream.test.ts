import { expect } from "chai";
import { PassThrough, Writable } from "node:stream";
import { SubscriptionStream, type StreamFormat } from "../../../../domain/command-gateway/subscription-stream.js";
import { RedisSubscriber } from "../../../../domain/redis/subscriber.js";
import { PathMetrics } from "../../../../domain/runtime/metrics.js";

const bulk = (s: string | Buffer): Buffer =>
  Buffer.isBuffer(s) ? Buffer.concat([Buffer.from(`$${s.length}\r\n`), s, Buffer.from("\r\n")]) : bulk(Buffer.from(s));
const push = (...fields: (string | Buffer | number)[]) =>
  Buffer.concat([Buffer.from(`*${fields.length}\r\n`), ...fields.map((f) => (typeof f === "number" ? Buffer.from(`:${f}\r\n`) : bulk(f)))]);

/** A stream whose Redis connection is a PassThrough the test writes Redis's pushes to. */
function streamOf(
  kind: "subscribe" | "psubscribe",
  names: string[],
  format: StreamFormat = "sse",
  settings: Partial<{ streamBufferBytes: number; streamLifetimeSeconds: number; streamKeepAliveSeconds: number }> = {},
) {
  const redis = new PassThrough();
  const closed: string[] = [];
  const metrics = new PathMetrics("command-gateway", () => {});
  const add = metrics.add.bind(metrics);
  metrics.add = (name, value, dimensions = {}) => (name === "StreamsClosed" && closed.push(String(dimensions.Reason)), add(name, value, dimensions));
  let released = 0;
  const stream = new SubscriptionStream(
    { kind, names },
    format,
    { streamBufferBytes: 1024, streamLifetimeSeconds: 600, streamKeepAliveSeconds: 600, ...settings },
    metrics,
    () => void released++,
    async (_endpoint, _subscriptions, events, max) => new RedisSubscriber(redis, events, max),
  );
  const fromRedis = (data: Buffer) => new Promise<void>((resolve) => redis.write(data, () => setImmediate(resolve)));
  return { stream, fromRedis, closed, released: () => released, redis };
}

/** An HTTP response standing in: what was written, and an end. */
function output() {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on("data", (c: Buffer) => chunks.push(c));
  return { out, text: (encoding: BufferEncoding = "utf8") => Buffer.concat(chunks).toString(encoding) };
}

describe("domain/command-gateway/subscription-stream: one stream, its events, its bounds", () => {
  it("SSE: the confirmations once Redis confirmed, then messages as @upstash/redis parses them, a line feed continued on the next data line", async () => {
    const { stream, fromRedis } = streamOf("subscribe", ["chat"]);
    const subscribed = stream.subscribe({ host: "x", port: 1 }, { channels: ["chat"], patterns: [] });
    await fromRedis(push("subscribe", "chat", 1));
    await subscribed;
    const { out, text } = output();
    const done = stream.attach(out);
    await fromRedis(push("message", "chat", "a,b\nc"));
    expect(text()).to.equal("data: subscribe,chat,1\n\ndata: message,chat,a,b\ndata: c\n\n");
    out.destroy();
    expect(await done).to.equal("client");
  });

  it("patterns: Redis's broader subscription is filtered to the patterns asked, one pmessage per matching pattern", async () => {
    const { stream, fromRedis } = streamOf("psubscribe", ["t:room*", "t:*"]);
    const subscribed = stream.subscribe({ host: "x", port: 1 }, { channels: [], patterns: ["t:*"] });
    await fromRedis(push("psubscribe", "t:*", 1));
    await subscribed;
    const { out, text } = output();
    void stream.attach(out);
    await fromRedis(Buffer.concat([push("pmessage", "t:*", "t:lobby", "x"), push("pmessage", "t:*", "t:room1", "y")]));
    expect(text()).to.equal(
      "data: psubscribe,t:room*,1\n\ndata: psubscribe,t:*,2\n\ndata: pmessage,t:*,t:lobby,x\n\ndata: pmessage,t:room*,t:room1,y\n\ndata: pmessage,t:*,t:room1,y\n\n",
    );
    stream.close("client");
  });

  it("RESP2: pushes as Redis sends them, exact for any byte", async () => {
    const { stream, fromRedis } = streamOf("subscribe", ["b"], "resp2");
    const subscribed = stream.subscribe({ host: "x", port: 1 }, { channels: ["b"], patterns: [] });
    await fromRedis(push("subscribe", "b", 1));
    await subscribed;
    const { out, text } = output();
    void stream.attach(out);
    const payload = Buffer.from([0, 0xff, 13, 10]);
    await fromRedis(push("message", "b", payload));
    expect(text("latin1")).to.equal(`*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$4\r\n${payload.toString("latin1")}\r\n`);
    stream.close("client");
  });

  it("a refusal before the confirmation rejects subscribe() with Redis's reason, and counts the stream out", async () => {
    const { stream, fromRedis, released } = streamOf("subscribe", ["x"]);
    const outcome = stream.subscribe({ host: "x", port: 1 }, { channels: ["x"], patterns: [] }).then(
      () => undefined,
      (e: Error) => e,
    );
    await fromRedis(Buffer.from("-NOPERM No permissions to access a channel\r\n"));
    const error = await outcome;
    expect(error?.name).to.equal("CommandRefused");
    expect(error?.message).to.include("NOPERM");
    expect(released()).to.equal(1);
  });

  it("a consumer that does not read: the stream closes once the buffer would pass its limit, and keeps nothing more", async () => {
    const { stream, fromRedis, closed, redis } = streamOf("subscribe", ["f"], "sse", { streamBufferBytes: 1024 });
    const subscribed = stream.subscribe({ host: "x", port: 1 }, { channels: ["f"], patterns: [] });
    await fromRedis(push("subscribe", "f", 1));
    await subscribed;
    // A response whose client never reads: writes pile up in its buffer.
    const stuck = new Writable({ highWaterMark: 16, write: () => {} });
    const done = stream.attach(stuck);
    for (let i = 0; i < 20; i++) await fromRedis(push("message", "f", "m".repeat(200)));
    expect(await done).to.equal("slow-consumer");
    expect(closed).to.deep.equal(["slow-consumer"]);
    expect(stuck.writableLength).to.be.at.most(1024 + 200);
    expect(redis.destroyed, "the Redis subscriber closed").to.equal(true);
  });

  it("a message over the buffer ends the stream as too large; Redis closing it ends it with a reason to subscribe again", async () => {
    const big = streamOf("subscribe", ["g"], "sse", { streamBufferBytes: 64 });
    const subscribed = big.stream.subscribe({ host: "x", port: 1 }, { channels: ["g"], patterns: [] });
    await big.fromRedis(push("subscribe", "g", 1));
    await subscribed;
    const first = output();
    const bigDone = big.stream.attach(first.out);
    await big.fromRedis(push("message", "g", "x".repeat(100)));
    expect(await bigDone).to.equal("too-large");
    expect(first.text()).to.include(": closed: a message of");

    const lost = streamOf("subscribe", ["h"]);
    const lostSubscribed = lost.stream.subscribe({ host: "x", port: 1 }, { channels: ["h"], patterns: [] });
    await lost.fromRedis(push("subscribe", "h", 1));
    await lostSubscribed;
    const second = output();
    const lostDone = lost.stream.attach(second.out);
    lost.redis.destroy();
    expect(await lostDone).to.equal("redis");
    expect(second.text()).to.include(": closed: Redis closed the connection: subscribe again");
  });
});
