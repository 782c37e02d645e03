// Lambda entries behind API Gateway: `handler` answers the Upstash REST protocol (HTTP API, payload
// 2.0); `subscribe` serves /subscribe and /psubscribe as a streamed response (a REST API route with
// responseTransferMode STREAM). One bundle, two functions: config, tokens and connections per container.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from "aws-lambda";
import type { Writable } from "node:stream";
import { openGateway } from "../../domain/command-gateway/open.js";
import { apiGatewayResult, requestOfAnyApiGateway, requestOfRestApi } from "../../domain/runtime/http.js";
import { createLogger } from "../../domain/runtime/log.js";
import { PathMetrics } from "../../domain/runtime/metrics.js";
import { instrument, instrumentStream } from "../../domain/runtime/observability.js";
import { secretString } from "../../domain/runtime/secrets.js";
import { redisRestConfig } from "./config.js";
import { handleRestRequest, parseRestTokens } from "../../domain/command-gateway/redis-rest.js";
import { openSubscription } from "../../domain/command-gateway/redis-rest-subscribe.js";

/** The Node.js runtime's response streaming (a global of the Lambda runtime, not a package). */
declare const awslambda: {
  streamifyResponse<E>(handler: (event: E, responseStream: Writable) => Promise<void>): unknown;
  HttpResponseStream: { from(stream: Writable, metadata: { statusCode: number; headers: Record<string, string> }): Writable };
};

const config = redisRestConfig(process.env);
const tokens = parseRestTokens(await secretString(config.tokensSecretArn));
const observability = { logger: createLogger("redis-rest"), metrics: new PathMetrics("command-gateway") };
const gateway = await openGateway(config.redis, config.gateway, config.usersSecretArn, observability.metrics);

// Behind the HTTP API (payload 2.0) and the streaming REST API's other paths (its proxy event).
export const handler = instrument(observability, async (event: APIGatewayProxyEventV2 | APIGatewayProxyEvent) =>
  apiGatewayResult(await handleRestRequest(gateway, tokens, requestOfAnyApiGateway(event))),
);

// Outside Lambda (tests importing this module) there is no runtime global and no streaming entry.
export const subscribe =
  typeof awslambda === "undefined"
    ? undefined
    : awslambda.streamifyResponse(
        instrumentStream(observability, async (event: APIGatewayProxyEvent, responseStream: Writable) => {
          const opened = await openSubscription(gateway, tokens, requestOfRestApi(event));
          const output = awslambda.HttpResponseStream.from(responseStream, { statusCode: opened.status, headers: opened.headers });
          if (!("stream" in opened)) return void output.end(opened.body);
          const ended = await opened.stream.attach(output);
          observability.logger.info("subscription stream ended", { reason: ended });
        }),
      );
