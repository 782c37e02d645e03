// Lambda entry: an S3 object-created event, or by hand `{ "bucket": "...", "key": "..." }`.
import { S3Client } from "@aws-sdk/client-s3";
import { createLogger } from "../shared/log.js";
import { connectRedisOrCluster, redisSettingsFromEnvironment } from "../shared/redis/clients.js";
import { defaultLoaderConfig, RecommendationLoader } from "./loader.js";
import { loadObjectsOfEvent } from "./s3-event.js";

const log = createLogger("feature-loader");
const s3 = new S3Client({});
const loader = new RecommendationLoader(await connectRedisOrCluster(redisSettingsFromEnvironment(process.env)), log, {
  ...defaultLoaderConfig,
  previousVersionTtlSeconds: Number(process.env.PREVIOUS_VERSION_TTL_SECONDS ?? defaultLoaderConfig.previousVersionTtlSeconds),
  waitForReplicas: Number(process.env.WAIT_FOR_REPLICAS ?? defaultLoaderConfig.waitForReplicas),
});

export const handler = (event: unknown) => loadObjectsOfEvent(s3, loader, event);
