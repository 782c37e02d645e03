// Lambda entry behind API Gateway (HTTP API, payload 2.0): read config, the tokens and one connection
// per container, then answer each request with the Upstash REST core.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { openGateway } from "../command-gateway/config.js";
import { apiGatewayResult, requestOfApiGateway } from "../shared/http.js";
import { createLogger } from "../shared/log.js";
import { PathMetrics } from "../shared/metrics.js";
import { instrument } from "../shared/observability.js";
import { secretString } from "../shared/secrets.js";
import { redisRestConfig } from "./config.js";
import { handleRestRequest, parseRestTokens } from "./rest.js";

const config = redisRestConfig(process.env);
const tokens = parseRestTokens(await secretString(config.tokensSecretArn));
const observability = { logger: createLogger("redis-rest"), metrics: new PathMetrics("command-gateway") };
const gateway = await openGateway(config, observability.metrics);

export const handler = instrument(observability, async (event: APIGatewayProxyEventV2) =>
  apiGatewayResult(await handleRestRequest(gateway, tokens, requestOfApiGateway(event))),
);
