// Feature store: load 1,000,000 recommendations (100,000 users x 10) from s3rver against
// `redis-cli --pipe` with the same data on the same Redis; loader peak RSS; reader latency.
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { execFile, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { CurrentVersion, readRecommendations } from "../domain/feature-store/reader.js";
import { localS3 } from "../local/aws/aws-clients.js";
import { startFeatureServer } from "../local/servers/feature-server.js";
import { redisCommand, startRedis, startS3 } from "../local/launcher/services.js";
import { generateRecommendations } from "../local/dev/sample-recommendations.js";
import { percentile, printTable } from "./table.js";

const users = Number(process.env.BENCH_USERS ?? 100_000);
const ranks = 10;
const dir = mkdtempSync(join(tmpdir(), "ecp-feature-"));
const run = promisify(execFile);

const [redis, s3] = await Promise.all([startRedis(), startS3()]);
const s3Client = localS3(s3.endpoint);
await s3Client.send(new CreateBucketCommand({ Bucket: "batch" }));
await new Upload({
  client: s3Client,
  params: { Bucket: "batch", Key: "batchpredictions.json", Body: Readable.from(generateRecommendations({ users, ranks, format: "table" })) },
}).done();

// Ours: the loader streaming from s3rver, in its own process.
const started = Date.now();
const { stdout } = await run("npx", ["tsx", "bench/feature-load-child.ts", redis.url, s3.endpoint, "batch", "batchpredictions.json"], { maxBuffer: 1 << 20 });
const loadSeconds = (Date.now() - started) / 1000;
const report = JSON.parse(stdout.trim().split("\n").pop()!) as { users: number; recommendations: number; seconds: number; maxRssMiB: number; version: string };

// Baseline: redis-cli --pipe with the same HSETs, from a RESP file written beforehand.
const respFile = join(dir, "load.resp");
const resp = createWriteStream(respFile);
const encode = (args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
let buffered = "";
for await (const chunk of generateRecommendations({ users, ranks, format: "lines" })) {
  for (const line of chunk.split("\n")) {
    if (!line) continue;
    const { userId, movieId } = JSON.parse(line) as { userId: number; movieId: number[] };
    buffered += encode(["HSET", `pipe:{${userId}}`, ...movieId.flatMap((m, i) => [String(i + 1), String(m)])]);
  }
  if (!resp.write(buffered)) await new Promise<void>((r) => resp.once("drain", () => r()));
  buffered = "";
}
await new Promise((r) => resp.end(r));
const pipeStarted = Date.now();
await new Promise<void>((resolve, reject) => {
  const child = spawn("redis-cli", ["-h", redis.host, "-p", String(redis.port), "--pipe"], { stdio: [openSync(respFile, "r"), "ignore", "inherit"] });
  child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --pipe exited ${code}`))));
});
const pipeSeconds = (Date.now() - pipeStarted) / 1000;

// Reader: in-process handler time (the server time of one request) and HTTP throughput with wrk.
const client = new Redis(redis.url);
const current = new CurrentVersion(client);
const samples: number[] = [];
for (let i = 0; i < 20_000; i++) {
  const query = new URLSearchParams({ userId: String(1 + ((i * 7919) % users)), rank: String(1 + (i % ranks)) });
  const t = process.hrtime.bigint();
  const reply = await readRecommendations(client, current, {
    method: "GET",
    path: "/recommendations",
    query,
    headers: { accept: "application/json" },
    body: "",
  });
  samples.push(Number(process.hrtime.bigint() - t) / 1e3);
  if (reply.status !== 200) throw new Error(`reader answered ${reply.status}: ${reply.body}`);
}
samples.sort((a, b) => a - b);
// Redis's own time for the same request (HGET + EXISTS), from its command statistics.
await redisCommand(redis.url, "CONFIG", "RESETSTAT");
for (let i = 0; i < 2_000; i++)
  await readRecommendations(client, current, {
    method: "GET",
    path: "/recommendations",
    query: new URLSearchParams({ userId: "1", rank: "1" }),
    headers: {},
    body: "",
  });
const stats = String(await redisCommand(redis.url, "INFO", "commandstats"));
const usecPerCall = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=\\d+,usec=\\d+,usec_per_call=([\\d.]+)`).exec(stats)?.[1] ?? NaN);
const redisMicros = usecPerCall("hget") + usecPerCall("exists");

const server = await startFeatureServer(client);
const script = join(dir, "reader.lua");
const { writeFileSync } = await import("node:fs");
writeFileSync(
  script,
  `request = function() return wrk.format(nil, "/recommendations?userId=" .. math.random(1, ${users}) .. "&rank=" .. math.random(1, ${ranks})) end`,
);
const { stdout: wrkOut } = await run("wrk", ["-t2", "-c50", "-d5s", "--latency", "-s", script, server.endpoint]);
const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrkOut)?.[1]);
const httpP99 = /99%\s+([\d.]+)(us|ms)/.exec(wrkOut);
const httpP99Ms = Number(httpP99?.[1]) * (httpP99?.[2] === "us" ? 0.001 : 1);

const records = users * ranks;
printTable(
  `Feature store: ${records.toLocaleString("en-US")} recommendations (${users.toLocaleString("en-US")} users x ${ranks}) into one redis-server`,
  "redis-cli --pipe",
  [
    { measure: "load rate (end to end, from s3rver)", ours: records / loadSeconds, baseline: records / pipeSeconds, unit: "recs/s", higherIsBetter: true },
    { measure: "load rate (loader's own clock)", ours: records / report.seconds, baseline: records / pipeSeconds, unit: "recs/s", higherIsBetter: true },
    { measure: "users per second", ours: users / report.seconds, baseline: users / pipeSeconds, unit: "users/s", higherIsBetter: true },
  ],
);
console.log(
  `\nloader peak RSS: ${report.maxRssMiB.toFixed(0)} MiB (target < 256 MiB); redis-cli --pipe read a ${(Number((await run("stat", ["-c%s", respFile])).stdout) / 2 ** 20).toFixed(0)} MiB RESP file prepared beforehand`,
);
printTable("Reader (GET /recommendations?userId=&rank=, JSON)", "target", [
  { measure: "handler time p50 (in process, incl. Redis round trip)", ours: percentile(samples, 50), baseline: 1000, unit: "µs", higherIsBetter: false },
  { measure: "handler time p99 (in process, incl. Redis round trip)", ours: percentile(samples, 99), baseline: 1000, unit: "µs", higherIsBetter: false },
  { measure: "Redis server time per request (HGET + EXISTS)", ours: redisMicros, baseline: 1000, unit: "µs", higherIsBetter: false },
  { measure: "HTTP requests/s (wrk -t2 -c50, random users)", ours: rps, baseline: Number.NaN, unit: "req/s", higherIsBetter: true },
  { measure: "HTTP p99 (wrk)", ours: httpP99Ms, baseline: Number.NaN, unit: "ms", higherIsBetter: false },
]);

await server.stop();
client.disconnect();
s3Client.destroy();
await Promise.all([redis.stop(), s3.stop()]);
