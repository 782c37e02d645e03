// Change feed: the listener's sustained rate and HSET-to-sink lag under a 20,000 HSET/s pipelined load
// into a null sink; its throughput into dynalite against the naive design (the original listener: one
// HGETALL and one invoke of a one-PutItem Lambda per event; and the same without the Lambda hop); and
// into a slow sink with one and two deliveries in flight.
import { keyspaceEventsNeeded } from "../domain/change-feed/capture/subscriptions.js";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { sleep } from "../domain/runtime/retry.js";
import { Redis } from "ioredis";
import type { Change, WriteResult } from "../domain/change-feed/writer.js";
import { defaultListenerConfig } from "../domain/change-feed/capture/listener.js";
import { parseMapping, type CompiledMapping } from "../domain/change-feed/mappings.js";
import { RoutingSink, type ChangeSink } from "../domain/change-feed/sinks.js";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { createTable, localCredentials, localDynamo, localRegion } from "../local/aws/aws-clients.js";
import { freePort, startRedis } from "../local/launcher/services.js";
import { spawn } from "node:child_process";
import { hsetLoad, nullSink, startBenchListener } from "./change-feed-rig.js";
import { percentile, printTable } from "./table.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rate = Number(process.env.BENCH_RATE ?? 20_000);
const keys = 10_000;

const redis = await startRedis({ config: { "notify-keyspace-events": keyspaceEventsNeeded } });
// dynalite in a process of its own, as a real sink would be: in this one it would share the event loop.
const dynamoPort = await freePort();
const dynaliteProcess = spawn(process.execPath, ["node_modules/dynalite/cli.js", "--port", String(dynamoPort), "--createTableMs", "0"], { stdio: "ignore" });
const dynamoService = { endpoint: `http://127.0.0.1:${dynamoPort}`, stop: async () => void dynaliteProcess.kill() };
await sleep(1_000);
const dynamo = localDynamo(dynamoService.endpoint);
const writer = new Redis(redis.url);
const mapping = parseMapping({ name: "people", pattern: "person:{id}", table: "people" });
// The writer Lambda of the production path, in a process of its own, in front of dynalite.
const writerProcess = spawn(process.execPath, ["--import", "tsx", "bench/change-writer-child.ts", dynamoService.endpoint], {
  stdio: ["ignore", "pipe", "inherit"],
});
const lambdaEndpoint = await new Promise<string>((resolve) => writerProcess.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim())));
const lambda = new LambdaClient({ endpoint: lambdaEndpoint, region: localRegion, credentials: localCredentials });

const load = (total: number, perSecond: number) => hsetLoad(writer, total, perSecond, keys);

const newListener = (sink: ChangeSink, target = mapping, deliveriesInFlight = defaultListenerConfig.deliveriesInFlight) =>
  startBenchListener(redis.url, sink, target, { deliveriesInFlight });

// 1. Null sink at the target rate: does the listener keep up, and with what lag?
const measured = nullSink();
const lags = measured.lags;
await writer.flushall();
const nulled = await newListener(measured);
const total = rate * seconds;
const loadSeconds = await load(total, rate);
const offered = total / loadSeconds;
// Drained when the journal is empty (every hint delivered and acknowledged).
const drainStart = Date.now();
while ((await writer.xlen("changefeed:journal")) > 0 && Date.now() - drainStart < 30_000) await sleep(20);
const drainSeconds = (Date.now() - drainStart) / 1000;
const sustained = nulled.listener.counters.seen / (loadSeconds + drainSeconds);
const coalesced = nulled.listener.counters.coalesced;
await nulled.stop();
lags.sort((a, b) => a - b);

// 2. Into dynalite: ours (batched, conditional, parallel) against the naive design, same events.
await createTable(dynamo, "people", "id");
const events = Number(process.env.BENCH_DYNAMO_EVENTS ?? 20_000);

async function oursIntoDynamo(): Promise<number> {
  await writer.flushall();
  const ours = await newListener(
    new RoutingSink(dynamo, lambda),
    parseMapping({ name: "people", pattern: "person:{id}", table: "people", lambda: "change-writer" }),
  );
  const started = Date.now();
  await load(events, 1_000_000);
  while ((await writer.xlen("changefeed:journal")) > 0) await sleep(10);
  const elapsed = (Date.now() - started) / 1000;
  await ours.stop();
  const { written, skipped, coalesced } = ours.listener.counters;
  console.log(
    `ours into dynalite: ${written.toLocaleString("en-US")} items written, ${skipped.toLocaleString("en-US")} skipped as older, ${coalesced.toLocaleString("en-US")} hints already reflected (coalesced), in ${elapsed.toFixed(2)} s`,
  );
  return events / elapsed;
}

/**
 * The naive design: one event at a time, read the hash, then `write` it. As the original listener
 * did, `write` is a synchronous invoke of a writer Lambda that puts one item; the strictest baseline
 * puts the item from the listener itself, with no Lambda hop at all.
 */
async function naiveIntoDynamo(write: (key: string, fields: Record<string, string>) => Promise<unknown>): Promise<number> {
  await writer.flushall();
  const subscriber = new Redis(redis.url);
  const reader = new Redis(redis.url);
  let processed = 0;
  let queue = Promise.resolve();
  await subscriber.psubscribe("__keyevent@*__:hset");
  subscriber.on("pmessage", (_p: string, _c: string, key: string) => {
    queue = queue.then(async () => {
      await write(key, await reader.hgetall(key));
      processed++;
    });
  });
  const started = Date.now();
  await load(events, 1_000_000);
  while (processed < events && Date.now() - started < 120_000) await sleep(10);
  const elapsed = (Date.now() - started) / 1000;
  subscriber.disconnect();
  reader.disconnect();
  return processed / elapsed;
}

const invokeOriginal = async (key: string, fields: Record<string, string>) => {
  const { FunctionError } = await lambda.send(
    new InvokeCommand({ FunctionName: "original-writer", Payload: Buffer.from(JSON.stringify({ id: key, obj_name: key, body: JSON.stringify(fields) })) }),
  );
  if (FunctionError) throw new Error(`original-writer failed: ${FunctionError}`);
};
const putDirectly = (key: string, fields: Record<string, string>) =>
  dynamo.send(new PutItemCommand({ TableName: "people", Item: { id: { S: key }, body: { S: JSON.stringify(fields) } } }));

/**
 * A sink that takes 100 ms a delivery, as an invoke of a writer Lambda putting a batch does in AWS:
 * events/s with `inFlight` deliveries under way at once.
 */
async function intoSlowSink(inFlight: number): Promise<number> {
  await writer.flushall();
  const slowSink: ChangeSink = {
    async write(_m: CompiledMapping, changes: Change[]): Promise<WriteResult> {
      await sleep(100);
      return { written: changes.length, skipped: 0, retried: 0, rejected: [] };
    },
  };
  const slow = await newListener(slowSink, mapping, inFlight);
  const started = Date.now();
  await load(events, 1_000_000);
  while ((await writer.xlen("changefeed:journal")) > 0) await sleep(10);
  const elapsed = (Date.now() - started) / 1000;
  await slow.stop();
  return events / elapsed;
}

const slowOne = await intoSlowSink(1);
const slowTwo = await intoSlowSink(defaultListenerConfig.deliveriesInFlight);
const ours = await oursIntoDynamo();
const naive = await naiveIntoDynamo(invokeOriginal);
const naiveDirect = await naiveIntoDynamo(putDirectly);

printTable(
  `Change feed, null sink: ${total.toLocaleString("en-US")} HSETs over ${keys.toLocaleString("en-US")} keys, offered at ${Math.round(offered).toLocaleString("en-US")}/s (pipelined, 10 ms ticks)`,
  "target",
  [
    { measure: "sustained hints handled", ours: sustained, baseline: rate, unit: "HSET/s", higherIsBetter: true },
    { measure: "lag HSET -> sink, p50", ours: percentile(lags, 50), baseline: 250, unit: "ms", higherIsBetter: false },
    { measure: "lag HSET -> sink, p99", ours: percentile(lags, 99), baseline: 250, unit: "ms", higherIsBetter: false },
  ],
);
console.log(
  `\n${measured.confirmed().toLocaleString("en-US")} snapshots delivered for ${total.toLocaleString("en-US")} HSETs (${coalesced.toLocaleString("en-US")} hints coalesced); journal drained ${drainSeconds.toFixed(2)} s after the load ended`,
);
printTable(`Change feed into dynalite: ${events.toLocaleString("en-US")} HSET events as fast as a pipelined client writes them`, "naive design", [
  {
    measure: "events/s; naive = the original (HGETALL + invoke of a one-PutItem Lambda per event)",
    ours,
    baseline: naive,
    unit: "events/s",
    higherIsBetter: true,
  },
  { measure: "events/s; naive = HGETALL + PutItem per event, no Lambda hop (stricter)", ours, baseline: naiveDirect, unit: "events/s", higherIsBetter: true },
]);

printTable(
  `Change feed into a sink that takes 100 ms a delivery (a writer Lambda's invoke in AWS): ${events.toLocaleString("en-US")} HSET events`,
  "one delivery in flight",
  [
    {
      measure: `events/s, ${defaultListenerConfig.deliveriesInFlight} deliveries in flight (the default)`,
      ours: slowTwo,
      baseline: slowOne,
      unit: "events/s",
      higherIsBetter: true,
    },
  ],
);

writer.disconnect();
dynamo.destroy();
lambda.destroy();
writerProcess.kill();
await Promise.all([redis.stop(), dynamoService.stop()]);
