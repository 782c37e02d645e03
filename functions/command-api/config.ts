// The command API resolver's settings: where Redis is, the gateway's settings, and its engine users' secret.
import { readGatewaySettings, type GatewaySettings } from "../../domain/command-gateway/settings.js";
import { redisSettings, type RedisConnectionSettings } from "../../domain/redis/clients.js";
import { readEnvironment, type Environment } from "../../domain/runtime/env.js";

export interface CommandApiConfig {
  redis: RedisConnectionSettings;
  gateway: GatewaySettings;
  /** `REDIS_USERS_SECRET_ARN`: one engine user per scope; unset: every scope on the one AUTH of `redis`. */
  usersSecretArn?: string;
}

export function commandApiConfig(environment: Environment): CommandApiConfig {
  const env = readEnvironment(environment);
  return { redis: redisSettings(env), gateway: readGatewaySettings(env), usersSecretArn: env.optionalString("REDIS_USERS_SECRET_ARN") };
}
