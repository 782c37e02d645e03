// The command gateway's settings, from the environment the infrastructure (or `make dev`) sets.
import type { EnvironmentReader } from "../shared/env.js";
import { readGatewaySettings } from "../shared/gateway-settings.js";
import type { GatewayConfig } from "./gateway.js";
import { redisSettings, type RedisConnectionSettings } from "../shared/redis/clients.js";

export function gatewayConfig(env: EnvironmentReader): GatewayConfig {
  const { allowScripts, scriptTimeoutMs, maxFieldsPerRequest, keyPrefixes, ...limits } = readGatewaySettings(env);
  return { allowScripts, scriptTimeoutMs, maxFieldsPerRequest, keyPrefixes, limits };
}

/** What every function in front of the gateway needs: where Redis is, and the gateway's settings. */
export interface GatewayFunctionConfig {
  redis: RedisConnectionSettings;
  gateway: GatewayConfig;
}

export const gatewayFunctionConfig = (env: EnvironmentReader): GatewayFunctionConfig => ({ redis: redisSettings(env), gateway: gatewayConfig(env) });
