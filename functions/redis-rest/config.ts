// The REST endpoint's settings: the gateway's, plus the secret that holds its tokens.
import { gatewayFunctionConfig, type GatewayFunctionConfig } from "../command-gateway/config.js";
import { readEnvironment, type Environment } from "../shared/env.js";

export interface RedisRestConfig extends GatewayFunctionConfig {
  /** Secrets Manager secret: `{"readWrite": [...], "readOnly": [...]}`. */
  tokensSecretArn: string;
}

export function redisRestConfig(environment: Environment): RedisRestConfig {
  const env = readEnvironment(environment);
  return { ...gatewayFunctionConfig(env), tokensSecretArn: env.string("REST_TOKENS_SECRET_ARN", "the REST API needs its tokens") };
}
