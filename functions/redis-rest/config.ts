// The REST endpoint's settings: where Redis is, the gateway's settings, its engine users' secret, and its tokens' secret.
import { readGatewaySettings, type GatewaySettings } from "../../domain/command-gateway/settings.js";
import { redisSettings, type RedisConnectionSettings } from "../../domain/redis/clients.js";
import { readEnvironment, type Environment } from "../../domain/runtime/env.js";

export interface RedisRestConfig {
  redis: RedisConnectionSettings;
  gateway: GatewaySettings;
  /** `REDIS_USERS_SECRET_ARN`: one engine user per scope; unset: every scope on the one AUTH of `redis`. */
  usersSecretArn?: string;
  /** Secrets Manager secret: `{"readWrite": [...], "readOnly": [...]}`. */
  tokensSecretArn: string;
}

export function redisRestConfig(environment: Environment): RedisRestConfig {
  const env = readEnvironment(environment);
  return {
    redis: redisSettings(env),
    gateway: readGatewaySettings(env),
    usersSecretArn: env.optionalString("REDIS_USERS_SECRET_ARN"),
    tokensSecretArn: env.string("REST_TOKENS_SECRET_ARN", "the REST API needs its tokens"),
  };
}
