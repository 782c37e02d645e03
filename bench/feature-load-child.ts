// Runs one load in its own process, so its peak RSS is the loader's alone. Prints the report as JSON.
// A fifth argument `cluster` loads into the Redis Cluster the URL is a node of.
import { Cluster, Redis } from "ioredis";
import { defaultLoaderConfig, RecommendationLoader } from "../domain/feature-store/loader.js";
import { loadObjectsOfEvent } from "../domain/feature-store/s3-event.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { localS3 } from "../local/aws/aws-clients.js";

const [redisUrl, s3Endpoint, bucket, key, mode] = process.argv.slice(2);
const url = new URL(redisUrl);
const redis =
  mode === "cluster"
    ? new Cluster([{ host: url.hostname, port: Number(url.port) }], { enableAutoPipelining: true })
    : new Redis(redisUrl, { enableAutoPipelining: true });
const s3 = localS3(s3Endpoint);
const [report] = await loadObjectsOfEvent(s3, new RecommendationLoader(redis, memoryLogger(), defaultLoaderConfig), { bucket, key });
console.log(JSON.stringify({ ...report, badRecordList: undefined, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
redis.disconnect();
s3.destroy();
