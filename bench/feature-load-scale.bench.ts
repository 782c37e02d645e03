// Feature store, how a load scales with the file: 1 M and 5 M records (users, 10 ranks each) from
// s3rver, each loaded by the loader in a process of its own. Time, records per second and peak RSS;
// RSS must stay flat as the file grows (the loader streams), compared with the smallest file's; then, on
// a 3-shard cluster, the loader's one writer per shard against one ioredis Cluster client.
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { execFile } from "node:child_process";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { localS3 } from "../local/aws/aws-clients.js";
import { Cluster } from "ioredis";
import { redisCommand, startCluster, startRedis, startS3 } from "../local/launcher/services.js";
import { generateRecommendations } from "../local/dev/sample-recommendations.js";
import { printTable, type Row } from "./table.js";

const sizes = (process.env.BENCH_SCALE_USERS ?? "1000000,5000000").split(",").map(Number);
const run = promisify(execFile);
const [redis, s3] = await Promise.all([startRedis(), startS3()]);
const s3Client = localS3(s3.endpoint);
await s3Client.send(new CreateBucketCommand({ Bucket: "batch" }));

const results: { users: number; seconds: number; perSecond: number; rssMiB: number }[] = [];
for (const users of sizes) {
  const key = `batch-${users}.json`;
  await new Upload({
    client: s3Client,
    params: { Bucket: "batch", Key: key, Body: Readable.from(generateRecommendations({ users, ranks: 10, format: "table" })) },
  }).done();
  const { stdout } = await run("npx", ["tsx", "bench/feature-load-child.ts", redis.url, s3.endpoint, "batch", key], { maxBuffer: 1 << 20 });
  const report = JSON.parse(stdout.trim().split("\n").pop()!) as { users: number; seconds: number; maxRssMiB: number };
  results.push({ users: report.users, seconds: report.seconds, perSecond: report.users / report.seconds, rssMiB: report.maxRssMiB });
  console.log(
    `${report.users.toLocaleString("en-US")} records: ${report.seconds.toFixed(1)} s, ${Math.round(report.users / report.seconds).toLocaleString("en-US")} records/s, peak RSS ${Math.round(report.maxRssMiB)} MiB`,
  );
  await redisCommand(redis.url, "FLUSHALL");
}

const [smallest, ...larger] = results;
const rows: Row[] = larger.flatMap((r) => [
  { measure: `${r.users.toLocaleString("en-US")} records: records/s`, ours: r.perSecond, baseline: smallest.perSecond, unit: "rec/s", higherIsBetter: true },
  { measure: `${r.users.toLocaleString("en-US")} records: peak RSS`, ours: r.rssMiB, baseline: smallest.rssMiB, unit: "MiB", higherIsBetter: false },
]);
printTable(
  `Feature loader as the file grows, against the ${smallest.users.toLocaleString("en-US")}-record load of the same run`,
  `${smallest.users.toLocaleString("en-US")} records`,
  rows,
);

// On a 3-shard cluster: the loader (one socket per primary, RESP written by hand) against the usual
// way, one ioredis Cluster client sending the same HSETs auto-pipelined per node.
const cluster = await startCluster({ primaries: 3 });
const clusterUsers = smallest.users;
const { stdout: clusterOut } = await run(
  "npx",
  ["tsx", "bench/feature-load-child.ts", cluster.nodes[0].url, s3.endpoint, "batch", `batch-${clusterUsers}.json`, "cluster"],
  {
    maxBuffer: 1 << 20,
  },
);
const clusterReport = JSON.parse(clusterOut.trim().split("\n").pop()!) as { users: number; seconds: number };
const oneClient = new Cluster(cluster.startupNodes, { enableAutoPipelining: true });
const started = Date.now();
let batch: Promise<unknown>[] = [];
for await (const chunk of generateRecommendations({ users: clusterUsers, ranks: 10, format: "lines" })) {
  for (const line of chunk.split("\n")) {
    if (!line) continue;
    const { userId, movieId } = JSON.parse(line) as { userId: number; movieId: number[] };
    batch.push(oneClient.hset(`base:{${userId}}`, ...movieId.flatMap((m, i) => [String(i + 1), String(m)])));
    if (batch.length >= 1_000) {
      await Promise.all(batch);
      batch = [];
    }
  }
}
await Promise.all(batch);
const oneClientPerSecond = clusterUsers / ((Date.now() - started) / 1000);
oneClient.disconnect();
printTable(`Feature loader on a 3-shard cluster: ${clusterUsers.toLocaleString("en-US")} records`, "one ioredis Cluster client", [
  {
    measure: "records/s, one writer per shard (the loader)",
    ours: clusterReport.users / clusterReport.seconds,
    baseline: oneClientPerSecond,
    unit: "rec/s",
    higherIsBetter: true,
  },
]);

s3Client.destroy();
await Promise.all([redis.stop(), s3.stop(), cluster.stop()]);
