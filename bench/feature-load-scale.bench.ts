// Feature store, how a load scales with the file: 1 M and 5 M records (users, 10 ranks each) from
// s3rver, each loaded by the loader in a process of its own. Time, records per second and peak RSS;
// RSS must stay flat as the file grows (the loader streams), compared with the smallest file's.
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { execFile } from "node:child_process";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { localS3 } from "../local/aws-clients.js";
import { redisCommand, startRedis, startS3 } from "../local/services.js";
import { generateRecommendations } from "../tools/generate-recommendations.js";
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

s3Client.destroy();
await Promise.all([redis.stop(), s3.stop()]);
