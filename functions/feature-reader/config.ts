// The feature reader's settings: where Redis is (a cluster-mode group's configuration endpoint or a primary).
import { readEnvironment, type Environment } from "../../domain/runtime/env.js";
import { redisSettings, type RedisConnectionSettings } from "../../domain/redis/clients.js";

export interface FeatureReaderConfig {
  redis: RedisConnectionSettings;
}

export const featureReaderConfig = (environment: Environment): FeatureReaderConfig => ({ redis: redisSettings(readEnvironment(environment)) });
