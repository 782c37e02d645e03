// Lambda entry: an S3 object-created event, or by hand `{ "bucket": "...", "key": "..." }`. Reads
// config, opens the S3 and Redis clients once per container, then loads what the event names.
import { S3Client } from "@aws-sdk/client-s3";
import { createLogger } from "../../domain/runtime/log.js";
import { PathMetrics } from "../../domain/runtime/metrics.js";
import { instrument } from "../../domain/runtime/observability.js";
import { connectRedisOrCluster } from "../../domain/redis/clients.js";
import { featureLoaderConfig } from "./config.js";
import { RecommendationLoader } from "../../domain/feature-store/loader.js";
import { loadObjectsOfEvent } from "../../domain/feature-store/s3-event.js";

const config = featureLoaderConfig(process.env);
const s3 = new S3Client({});
const observability = { logger: createLogger("feature-loader"), metrics: new PathMetrics("feature-store") };
const loader = new RecommendationLoader(await connectRedisOrCluster(config.redis), observability.logger, config.loader, observability.metrics);

export const handler = instrument(observability, (event: unknown) => loadObjectsOfEvent(s3, loader, event));
