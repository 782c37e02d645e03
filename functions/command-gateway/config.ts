// The command gateway's settings, from the environment the infrastructure (or `make dev`) sets.
import type { EnvironmentReader } from "../shared/env.js";
import { defaultLimits } from "./batch.js";
import { defaultMaxFieldsPerRequest, defaultScriptTimeoutMs, type GatewayConfig } from "./gateway.js";
import { redisSettings, type RedisConnectionSettings } from "../shared/redis/clients.js";

const keyPrefixExample = '{"sha256:<first 32 hex of the key\'s SHA-256>": "tenant-a:"}';

function keyPrefixesOf(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
  for (const [caller, prefix] of Object.entries(value)) {
    if (typeof prefix !== "string" || prefix === "") throw new Error(`the prefix of ${caller} is not a non-empty string`);
  }
  return value as Record<string, string>;
}

export function gatewayConfig(env: EnvironmentReader): GatewayConfig {
  return {
    allowScripts: env.flag("ALLOW_SCRIPTS", false),
    scriptTimeoutMs: env.positiveInteger("SCRIPT_TIMEOUT_MS", defaultScriptTimeoutMs),
    maxFieldsPerRequest: env.positiveInteger("MAX_FIELDS_PER_REQUEST", defaultMaxFieldsPerRequest),
    keyPrefixes: env.json("KEY_PREFIXES", {}, keyPrefixesOf, keyPrefixExample),
    limits: {
      maxCommands: env.positiveInteger("MAX_COMMANDS", defaultLimits.maxCommands),
      maxRequestBytes: env.positiveInteger("MAX_REQUEST_BYTES", defaultLimits.maxRequestBytes),
      maxReplyBytes: env.positiveInteger("MAX_REPLY_BYTES", defaultLimits.maxReplyBytes),
      maxKeysScanSize: env.positiveInteger("MAX_KEYS_SCAN_SIZE", defaultLimits.maxKeysScanSize),
      maxReplyElements: env.positiveInteger("MAX_REPLY_ELEMENTS", defaultLimits.maxReplyElements),
      maxOffsetBytes: env.positiveInteger("MAX_OFFSET_BYTES", defaultLimits.maxOffsetBytes),
    },
  };
}

/** What every function in front of the gateway needs: where Redis is, and the gateway's settings. */
export interface GatewayFunctionConfig {
  redis: RedisConnectionSettings;
  gateway: GatewayConfig;
}

export const gatewayFunctionConfig = (env: EnvironmentReader): GatewayFunctionConfig => ({ redis: redisSettings(env), gateway: gatewayConfig(env) });
