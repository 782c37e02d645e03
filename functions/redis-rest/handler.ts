// Lambda entry behind API Gateway (HTTP API, payload 2.0): the Upstash REST protocol.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { openRespConnection, redisSettingsFromEnvironment } from "../shared/redis/clients.js";
import { CommandGateway, gatewayConfigFromEnvironment } from "../command-gateway/gateway.js";
import { handleRestRequest, type RestTokens } from "./rest.js";

interface HttpApiEvent {
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string } };
}

/** Tokens live in Secrets Manager as `{"readWrite": [...], "readOnly": [...]}`; read once per container. */
async function tokensFromSecret(secretArn: string | undefined): Promise<RestTokens> {
  if (!secretArn) throw new Error("REST_TOKENS_SECRET_ARN is not set: the REST API needs its tokens");
  const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  const parsed = JSON.parse(SecretString ?? "{}") as Partial<RestTokens>;
  return { readWrite: parsed.readWrite ?? [], readOnly: parsed.readOnly ?? [] };
}

const tokens = await tokensFromSecret(process.env.REST_TOKENS_SECRET_ARN);
const gateway = new CommandGateway(await openRespConnection(redisSettingsFromEnvironment(process.env)), gatewayConfigFromEnvironment(process.env));

export const handler = async (event: HttpApiEvent) => {
  const response = await handleRestRequest(gateway, tokens, {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ""),
    headers: event.headers ?? {},
    body: event.body ? (event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body) : "",
  });
  return { statusCode: response.status, headers: response.headers, body: response.body };
};
