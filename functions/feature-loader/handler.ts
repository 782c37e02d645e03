// Lambda entry: an S3 object-created event, or by hand `{ "bucket": "...", "key": "..." }`. Reads
// config, opens the S3 and Redis clients once per container, then loads what the event names.
import { S3Client } from "@aws-sdk/client-s3";
import { createLogger } from "../shared/log.js";
import { PathMetrics } from "../shared/metrics.js";
import { instrument } from "../shared/observability.js";
import { connectRedisOrCluster } from "../shared/redis/clients.js";
import { featureLoaderConfig } from "./config.js";
import { RecommendationLoader } from "./loader.js";
import { loadObjectsOfEvent } from "./s3-event.js";

const config = featureLoaderConfig(process.env);
const s3 = new S3Client({});
const observability = { logger: createLogger("feature-loader"), metrics: new PathMetrics("feature-store") };
const loader = new RecommendationLoader(await connectRedisOrCluster(config.redis), observability.logger, config.loader, observability.metrics);

export const handler = instrument(observability, (event: unknown) => loadObjectsOfEvent(s3, loader, event));
