// The feature loader's settings: where Redis is, how long the previous version stays, replicas to wait for,
// how often a load reports its progress, and what a file must hold to be published.
import { readEnvironment, type Environment } from "../../domain/runtime/env.js";
import { redisSettings, type RedisConnectionSettings } from "../../domain/redis/clients.js";
import { defaultLoaderConfig, type LoaderConfig } from "../../domain/feature-store/loader.js";

export interface FeatureLoaderConfig {
  redis: RedisConnectionSettings;
  loader: LoaderConfig;
}

export function featureLoaderConfig(environment: Environment): FeatureLoaderConfig {
  const env = readEnvironment(environment);
  return {
    redis: redisSettings(env),
    loader: {
      ...defaultLoaderConfig,
      previousVersionTtlSeconds: env.positiveInteger("PREVIOUS_VERSION_TTL_SECONDS", defaultLoaderConfig.previousVersionTtlSeconds),
      waitForReplicas: env.positiveInteger("WAIT_FOR_REPLICAS", defaultLoaderConfig.waitForReplicas, { zero: true }),
      progressEvery: env.positiveInteger("LOAD_PROGRESS_EVERY", defaultLoaderConfig.progressEvery),
      minUsers: env.positiveInteger("LOAD_MIN_USERS", defaultLoaderConfig.minUsers),
      minPercentOfCurrent: env.positiveInteger("LOAD_MIN_PERCENT_OF_CURRENT", defaultLoaderConfig.minPercentOfCurrent, { zero: true }),
    },
  };
}
