// Pub/sub over HTTP: the REST endpoint's subscription streams (server-sent events, one Redis subscriber
// per stream, in a server process of its own) against plain Redis subscribers on the same server, for
// 1, 100 and 1,000 subscribers. Throughput: messages delivered per second, published in batches of 50
// and each batch awaited by every subscriber (bounded in flight, as a live system runs). Latency: from
// PUBLISH to the subscriber's read, at 200 messages a second.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import { sleep } from "../domain/runtime/retry.js";
import { startRedis } from "../local/launcher/services.js";
import { percentile, printTable, type Row } from "./table.js";

const token = "bench-token-0123456789";
const redis = await startRedis({ config: { maxclients: "10000" } });
const child = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    ...(process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    "bench/rest-server-child.ts",
    redis.url,
    token,
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const { endpoint } = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve))) as {
  endpoint: string;
};
const now = () => performance.timeOrigin + performance.now();

/** Every subscriber's deliveries, and the waiter that wants them to reach a count (no polling: the delivery that reaches it wakes it). */
const deliveries = { count: 0, target: Infinity, reached: () => {} };
function delivered(): void {
  if (++deliveries.count >= deliveries.target) {
    deliveries.target = Infinity;
    deliveries.reached();
  }
}
const deliveriesReach = (target: number) =>
  new Promise<void>((resolve) => {
    if (deliveries.count >= target) return resolve();
    deliveries.target = target;
    deliveries.reached = resolve;
  });

/** A subscriber that counts its messages and, for payloads that are timestamps, the latency of each. */
interface Subscriber {
  received: number;
  latencies: number[];
  close(): void;
}

/** Ours: a raw HTTP request to /subscribe/<channel>, its server-sent events read as they come. */
function streamSubscriber(channel: string): Promise<Subscriber> {
  const { hostname, port } = new URL(endpoint);
  const socket = connect(Number(port), hostname);
  const subscriber: Subscriber = { received: 0, latencies: [], close: () => socket.destroy() };
  let pending = "";
  return new Promise((resolve) => {
    socket.write(`POST /subscribe/${channel} HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${token}\r\ncontent-length: 0\r\n\r\n`);
    // Line by line without copying the stream: each `data:` line is a push; chunked encoding's size lines are skipped.
    socket.on("data", (chunk: Buffer) => {
      const text = pending + chunk.toString("latin1");
      let from = 0;
      for (let end = text.indexOf("\n", from); end >= 0; end = text.indexOf("\n", from)) {
        if (text.startsWith("data: message,", from)) {
          subscriber.received++;
          delivered();
          const sent = Number(text.slice(text.lastIndexOf(",", end) + 1, end));
          if (sent > 1e12) subscriber.latencies.push(now() - sent);
        } else if (text.startsWith("data: subscribe,", from)) resolve(subscriber);
        from = end + 1;
      }
      pending = text.slice(from);
    });
  });
}

/** The baseline: a plain Redis subscriber (ioredis). */
async function redisSubscriber(channel: string): Promise<Subscriber> {
  const client = new Redis(redis.url);
  const subscriber: Subscriber = { received: 0, latencies: [], close: () => client.disconnect() };
  client.on("message", (_channel: string, payload: string) => {
    subscriber.received++;
    delivered();
    const sent = Number(payload);
    if (sent > 1e12) subscriber.latencies.push(now() - sent);
  });
  await client.subscribe(channel);
  return subscriber;
}

const publisher = new Redis(redis.url);

async function measure(open: (channel: string) => Promise<Subscriber>, count: number, channel: string) {
  const subscribers: Subscriber[] = [];
  for (let i = 0; i < count; i += 100) subscribers.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => open(channel)))));
  deliveries.count = 0;
  // Throughput: batches of 50, each awaited by everyone.
  const messages = Math.max(200, Math.min(20_000, Math.round(200_000 / count)));
  const started = performance.now();
  for (let sent = 0; sent < messages; sent += 50) {
    const batch = publisher.pipeline();
    for (let i = 0; i < 50; i++) batch.publish(channel, "x".repeat(64));
    await batch.exec();
    await deliveriesReach((sent + 50) * count);
  }
  const perSecond = (messages * count) / ((performance.now() - started) / 1000);
  // Latency: 200 messages a second, each carrying its publish time.
  for (const s of subscribers) s.latencies = [];
  const before = deliveries.count;
  for (let i = 0; i < 200; i++) {
    await publisher.publish(channel, String(now()));
    await sleep(5);
  }
  await deliveriesReach(before + 200 * count);
  const latencies = subscribers.flatMap((s) => s.latencies).sort((a, b) => a - b);
  for (const s of subscribers) s.close();
  return { perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const rows: Row[] = [];
for (const count of [1, 100, 1_000]) {
  const ours = await measure(streamSubscriber, count, `bench-ours-${count}`);
  const plain = await measure(redisSubscriber, count, `bench-plain-${count}`);
  rows.push(
    { measure: `${count} subscriber(s): messages delivered`, ours: ours.perSecond, baseline: plain.perSecond, unit: "msg/s", higherIsBetter: true },
    { measure: `${count} subscriber(s): publish to receive p50`, ours: ours.p50, baseline: plain.p50, unit: "ms", higherIsBetter: false },
    { measure: `${count} subscriber(s): publish to receive p99`, ours: ours.p99, baseline: plain.p99, unit: "ms", higherIsBetter: false },
  );
}
printTable("Pub/sub over HTTP (server-sent events through the REST endpoint) vs plain Redis subscribers, same server", "plain Redis subscriber", rows);

publisher.disconnect();
child.kill();
await new Promise((resolve) => child.once("exit", resolve));
await redis.stop();
