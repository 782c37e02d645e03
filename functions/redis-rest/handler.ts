// Lambda entry behind API Gateway (HTTP API, payload 2.0): read config, the tokens and one connection
// per container, then answer each request with the Upstash REST core.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { openGateway } from "../command-gateway/config.js";
import { apiGatewayResult, requestOfApiGateway } from "../shared/http.js";
import { secretString } from "../shared/secrets.js";
import { redisRestConfig } from "./config.js";
import { handleRestRequest, parseRestTokens } from "./rest.js";

const config = redisRestConfig(process.env);
const tokens = parseRestTokens(await secretString(config.tokensSecretArn));
const gateway = await openGateway(config);

export const handler = async (event: APIGatewayProxyEventV2) => apiGatewayResult(await handleRestRequest(gateway, tokens, requestOfApiGateway(event)));
