import { expect } from "chai";
import { connect, type Socket } from "node:net";
import { Redis } from "ioredis";
import { redisCommand } from "../local/launcher/services.js";
import { eventually } from "./harness/eventually.js";
import { numsub, openStream, startSubscribeBed, tokens, type SubscribeBed } from "./harness/subscribe-bed.js";

const [rw] = tokens.readWrite;

/** A subscription over a bare socket (no HTTP client's own buffers in the measurement): bytes read so far, reading paused or not. */
function rawSubscriber(endpoint: string, channel: string, options: { paused?: boolean } = {}) {
  const { hostname, port } = new URL(endpoint);
  const socket: Socket = connect(Number(port), hostname);
  let received = "";
  let bytes = 0;
  socket.write(`POST /subscribe/${channel} HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${rw}\r\ncontent-length: 0\r\n\r\n`);
  if (options.paused) socket.pause();
  socket.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    // Only the head and the latest bytes are kept: enough to find a confirmation, a message or the closing reason.
    received = (received.length < 4096 ? received : received.slice(0, 2048) + received.slice(-2048)) + chunk.toString("latin1").slice(-4096);
  });
  // The response ends with chunked encoding's last chunk (the connection itself may be kept for another request).
  const closed = new Promise<void>((resolve) => {
    socket.on("close", () => resolve());
    socket.on("data", () => received.endsWith("\r\n0\r\n\r\n") && resolve());
  });
  socket.on("error", () => {});
  return { socket, closed, text: () => received, bytes: () => bytes };
}

describe("pub/sub over HTTP: slow consumers, stream lifetime and 1,000 subscribers on one process", function () {
  this.timeout(120_000);
  let bed: SubscribeBed;
  before(async () => {
    bed = await startSubscribeBed({ subscriptionsPerCaller: 1_000, streamBufferBytes: 64 * 1024 });
  });
  after(() => bed.stop());

  it("a consumer that stops reading is closed with the reason once 64 KiB wait for it: what it can still read is bounded, not what was published", async () => {
    const slow = rawSubscriber(bed.server.endpoint, "firehose", { paused: true });
    await eventually(
      "the slow consumer subscribed",
      () => numsub(bed.node.url, "firehose"),
      (n) => n === 1,
    );
    const publisher = new Redis(bed.node.url);
    const message = "m".repeat(10_000);
    let published = 0;
    // 40 MB for a consumer that reads nothing: far more than the kernel's socket buffers and the stream's 64 KiB together.
    while (published < 40 << 20) {
      const batch = publisher.pipeline();
      for (let i = 0; i < 100; i++) batch.publish("firehose", message);
      await batch.exec();
      published += 100 * message.length;
    }
    publisher.disconnect();
    expect(bed.gateway.streams.open, "the stream was closed").to.equal(0);
    expect(bed.points.some((p) => p.name === "StreamsClosed" && p.reason === "slow-consumer")).to.equal(true);
    slow.socket.resume();
    await slow.closed;
    console.log(
      `      slow consumer: ${(published / 1e6).toFixed(1)} MB published; ${(slow.bytes() / 1e6).toFixed(2)} MB reached the consumer (socket buffers and the stream's 64 KiB)`,
    );
    expect(slow.text()).to.include(": closed: the consumer fell");
    expect(slow.bytes()).to.be.lessThan(published / 4);
  });

  it("an idle stream gets keep-alive comments, and ends with a comment saying why at the end of its lifetime", async () => {
    const short = await startSubscribeBed({ streamKeepAliveSeconds: 1, streamLifetimeSeconds: 3 }, bed.node);
    try {
      const stream = await openStream(short.server.endpoint, "/subscribe/idle", rw);
      await stream.until("a keep-alive", (t) => t.includes(": keep-alive\n\n"));
      await stream.ended;
      expect(stream.text()).to.include(": closed: the stream's lifetime of 3 s is over: subscribe again\n\n");
      expect(short.points.some((p) => p.name === "StreamsClosed" && p.reason === "lifetime")).to.equal(true);
    } finally {
      await short.stop();
    }
  });

  it("1,000 concurrent subscribers on one process each receive a publish; their memory is measured", async () => {
    const before = { process: process.memoryUsage(), redis: await usedMemory(bed.node.url) };
    const subscribers = Array.from({ length: 1_000 }, () => rawSubscriber(bed.server.endpoint, "crowd"));
    await eventually(
      "1,000 streams open",
      async () => bed.gateway.streams.open,
      (n) => n === 1_000,
      60_000,
      100,
    );
    await eventually(
      "all confirmed",
      async () => subscribers.filter((s) => s.text().includes("subscribe,crowd,1")).length,
      (n) => n === 1_000,
      30_000,
      100,
    );
    const after = { process: process.memoryUsage(), redis: await usedMemory(bed.node.url) };
    expect(await redisCommand(bed.node.url, "PUBLISH", "crowd", "hello, crowd")).to.equal(1_000);
    await eventually(
      "everyone heard",
      async () => subscribers.filter((s) => s.text().includes("data: message,crowd,hello, crowd")).length,
      (n) => n === 1_000,
      30_000,
      100,
    );
    const perSubscriber = (a: number, b: number) => ((b - a) / 1_000 / 1024).toFixed(1);
    console.log(
      `      1,000 subscribers: process RSS +${perSubscriber(before.process.rss, after.process.rss)} KiB, heap +${perSubscriber(before.process.heapUsed, after.process.heapUsed)} KiB, Redis used_memory +${perSubscriber(before.redis, after.redis)} KiB per subscriber`,
    );
    expect((after.process.rss - before.process.rss) / 1_000, "process bytes per subscriber").to.be.lessThan(512 * 1024);
    for (const s of subscribers) s.socket.destroy();
    await eventually(
      "every stream counted out",
      async () => bed.gateway.streams.open,
      (n) => n === 0,
      30_000,
      100,
    );
    await eventually(
      "every Redis subscriber gone",
      () => numsub(bed.node.url, "crowd"),
      (n) => n === 0,
    );
  });
});

async function usedMemory(url: string): Promise<number> {
  const info = String(await redisCommand(url, "INFO", "memory"));
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}
