// Lambda entry behind API Gateway (HTTP API, payload 2.0): read config, the tokens and one connection
// per container, then answer each request with the Upstash REST core.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { openGateway } from "../../domain/command-gateway/open.js";
import { apiGatewayResult, requestOfApiGateway } from "../../domain/runtime/http.js";
import { createLogger } from "../../domain/runtime/log.js";
import { PathMetrics } from "../../domain/runtime/metrics.js";
import { instrument } from "../../domain/runtime/observability.js";
import { secretString } from "../../domain/runtime/secrets.js";
import { redisRestConfig } from "./config.js";
import { handleRestRequest, parseRestTokens } from "../../domain/command-gateway/redis-rest.js";

const config = redisRestConfig(process.env);
const tokens = parseRestTokens(await secretString(config.tokensSecretArn));
const observability = { logger: createLogger("redis-rest"), metrics: new PathMetrics("command-gateway") };
const gateway = await openGateway(config.redis, config.gateway, config.usersSecretArn, observability.metrics);

export const handler = instrument(observability, async (event: APIGatewayProxyEventV2) =>
  apiGatewayResult(await handleRestRequest(gateway, tokens, requestOfApiGateway(event))),
);
