// Lambda entry behind API Gateway (HTTP API, payload 2.0): GET /recommendations?userId=1&rank=1.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { apiGatewayResult, requestOfApiGateway } from "../../domain/runtime/http.js";
import { createLogger } from "../../domain/runtime/log.js";
import { PathMetrics } from "../../domain/runtime/metrics.js";
import { instrument } from "../../domain/runtime/observability.js";
import { connectRedisOrCluster } from "../../domain/redis/clients.js";
import { featureReaderConfig } from "./config.js";
import { CurrentVersion, readAndRecord } from "../../domain/feature-store/reader.js";

const config = featureReaderConfig(process.env);
const client = await connectRedisOrCluster(config.redis);
const current = new CurrentVersion(client);
const observability = { logger: createLogger("feature-reader"), metrics: new PathMetrics("feature-store") };

export const handler = instrument(observability, async (event: APIGatewayProxyEventV2) =>
  apiGatewayResult(await readAndRecord(observability.metrics, client, current, requestOfApiGateway(event))),
);
