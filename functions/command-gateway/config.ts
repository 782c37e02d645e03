// The command gateway's settings, from the environment the infrastructure (or `make dev`) sets.
import type { PathMetrics } from "../shared/metrics.js";
import type { EnvironmentReader } from "../shared/env.js";
import { readGatewaySettings } from "../shared/gateway-settings.js";
import { CommandGateway, type GatewayConfig } from "./gateway.js";
import { openRespConnection, redisSettings, type RedisConnectionSettings } from "../shared/redis/clients.js";
import { secretString } from "../shared/secrets.js";
import { parseEngineUsers } from "./scoped-connections.js";

export function gatewayConfig(env: EnvironmentReader): GatewayConfig {
  const { allowScripts, scriptTimeoutMs, maxFieldsPerRequest, keyPrefixes, ...limits } = readGatewaySettings(env);
  return { allowScripts, scriptTimeoutMs, maxFieldsPerRequest, keyPrefixes, limits };
}

/** What every function in front of the gateway needs: where Redis is, the gateway's settings, and the secret of its engine users. */
export interface GatewayFunctionConfig {
  redis: RedisConnectionSettings;
  gateway: GatewayConfig;
  /** `REDIS_USERS_SECRET_ARN`: one engine user per scope (the deployment's RBAC users); none: the one AUTH of `redis`. */
  usersSecretArn?: string;
}

export const gatewayFunctionConfig = (env: EnvironmentReader): GatewayFunctionConfig => ({
  redis: redisSettings(env),
  gateway: gatewayConfig(env),
  usersSecretArn: env.optionalString("REDIS_USERS_SECRET_ARN"),
});

/** The gateway a function serves with: its engine users read from their secret, its own connection as the read scope's user. */
export async function openGateway(config: GatewayFunctionConfig, metrics?: PathMetrics): Promise<CommandGateway> {
  const engineUsers = config.usersSecretArn ? parseEngineUsers(await secretString(config.usersSecretArn)) : undefined;
  const connection = await openRespConnection(config.redis, engineUsers?.read);
  return new CommandGateway(connection, { ...config.gateway, engineUsers }, metrics);
}
