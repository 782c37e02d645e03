// The configuration from the environment (`ECP_*`, `AWS_REGION`, `TFC_*`): what `make plan`, `make cost`
// and Terraform Cloud read, over infra/config.ts's typed defaults, validated before anything is synthesized.
import { ConfigError } from "../domain/runtime/errors.js";
import { readEnvironment, type EnvironmentReader } from "../domain/runtime/env.js";
import { readGatewaySettings } from "../domain/command-gateway/settings.js";
import { defaultConfig, engineDefaults, validateConfig, auroraDefaults, type CacheEngine, type SqlDestinationSettings, type SystemConfig } from "./config.js";
import type { SqlEngine } from "../domain/change-feed/sql-destination.js";

/** Reads overrides from the environment (the only inputs `make plan` takes), on top of the defaults. */
export function configFromEnvironment(environment: NodeJS.ProcessEnv = process.env): SystemConfig {
  const d = defaultConfig;
  // The same typed reader the functions use: a setting that is not a valid value names its variable.
  const env = readEnvironment(environment);
  const organization = env.optionalString("TFC_ORGANIZATION");
  const engine = engineOf(env.optionalString("ECP_ENGINE") ?? d.cache.engine);
  const config: SystemConfig = {
    ...d,
    name: env.optionalString("ECP_NAME") ?? d.name,
    region: env.optionalString("AWS_REGION") ?? env.optionalString("AWS_DEFAULT_REGION") ?? d.region,
    patterns: {
      changeFeed: env.flag("ECP_CHANGE_FEED", d.patterns.changeFeed),
      commandApi: env.flag("ECP_COMMAND_API", d.patterns.commandApi),
      featureStore: env.flag("ECP_FEATURE_STORE", d.patterns.featureStore),
      replicaDns: env.flag("ECP_REPLICA_DNS", d.patterns.replicaDns),
    },
    cache: {
      ...d.cache,
      engine,
      engineVersion: env.optionalString("ECP_ENGINE_VERSION") ?? engineDefaults[engine].version,
      nodeType: env.optionalString("ECP_CACHE_NODE_TYPE") ?? d.cache.nodeType,
      replicas: env.positiveInteger("ECP_CACHE_REPLICAS", d.cache.replicas, { zero: true }),
    },
    commandApi: commandApiFromEnvironment(env, d.commandApi),
    network: networkFromEnvironment(env, d.network),
    changeFeed: {
      ...d.changeFeed,
      deletionProtection: env.flag("ECP_DELETION_PROTECTION", d.changeFeed.deletionProtection),
      listenerGroupSize: env.positiveInteger("ECP_LISTENER_GROUP_SIZE", d.changeFeed.listenerGroupSize),
      allowCatchAllMappings: env.flag("ECP_ALLOW_CATCH_ALL_MAPPINGS", d.changeFeed.allowCatchAllMappings),
      sql: { postgres: sqlFromEnvironment(env, "postgres"), mysql: sqlFromEnvironment(env, "mysql") },
    },
    featureStore: {
      ...d.featureStore,
      dedicatedCluster: env.flag("ECP_FEATURE_STORE_CLUSTER", d.featureStore.dedicatedCluster),
      forceDestroyBucket:
        env.optionalString("ECP_FORCE_DESTROY_BUCKET") === undefined ? d.featureStore.forceDestroyBucket : env.flag("ECP_FORCE_DESTROY_BUCKET", false),
    },
    replicaDns: {
      ...d.replicaDns,
      reservedConcurrency:
        env.optionalString("ECP_KEEPER_RESERVED_CONCURRENCY") === undefined ? undefined : env.positiveInteger("ECP_KEEPER_RESERVED_CONCURRENCY", 1),
    },
    secretRecoveryWindowDays: env.positiveInteger("ECP_SECRET_RECOVERY_DAYS", d.secretRecoveryWindowDays),
    alarms: { ...d.alarms, email: env.optionalString("ECP_ALARM_EMAIL") },
    terraformCloud: organization ? { organization, workspacePrefix: env.optionalString("TFC_WORKSPACE_PREFIX") ?? "elasticache-patterns" } : undefined,
    lookups: {
      availabilityZones: env
        .optionalString("ECP_AVAILABILITY_ZONES")
        ?.split(",")
        .map((zone) => zone.trim()),
      accountId: env.optionalString("ECP_ACCOUNT_ID"),
      listenerAmiId: env.optionalString("ECP_LISTENER_AMI_ID"),
    },
  };
  validateConfig(config);
  return config;
}

function commandApiFromEnvironment(env: EnvironmentReader, d: SystemConfig["commandApi"]): SystemConfig["commandApi"] {
  return {
    ...d,
    gateway: readGatewaySettings(env, "ECP_"),
    apiKeyExpiryDays: env.positiveInteger("ECP_API_KEY_EXPIRY_DAYS", d.apiKeyExpiryDays),
    introspection: env.flag("ECP_GRAPHQL_INTROSPECTION", d.introspection),
    reservedConcurrency:
      env.optionalString("ECP_GATEWAY_RESERVED_CONCURRENCY") === "auto"
        ? "auto"
        : env.optionalString("ECP_GATEWAY_RESERVED_CONCURRENCY") === undefined
          ? d.reservedConcurrency
          : env.positiveInteger("ECP_GATEWAY_RESERVED_CONCURRENCY", 1),
    subscribeConcurrency:
      env.optionalString("ECP_SUBSCRIBE_RESERVED_CONCURRENCY") === undefined
        ? d.subscribeConcurrency
        : env.positiveInteger("ECP_SUBSCRIBE_RESERVED_CONCURRENCY", 1),
  };
}

function networkFromEnvironment(env: EnvironmentReader, d: SystemConfig["network"]): SystemConfig["network"] {
  return {
    ...d,
    endpointZones: env.positiveInteger("ECP_ENDPOINT_ZONES", d.endpointZones),
    sessionManagerEndpoints: env.flag("ECP_SESSION_MANAGER_ENDPOINTS", d.sessionManagerEndpoints),
  };
}

function engineOf(value: string): CacheEngine {
  if (value !== "valkey" && value !== "redis") throw new ConfigError(`ECP_ENGINE is "${value}": use valkey (the default) or redis`);
  return value;
}

/** `ECP_POSTGRES` / `ECP_MYSQL`: off (default), aurora (`_MIN_ACU`, `_MAX_ACU`, `_DATABASE`, `_VERSION`), or existing (`_HOST`, `_PORT`, `_DATABASE`, `_USER`, `_DB_USER_ARN`, `_CIDR`). */
function sqlFromEnvironment(env: EnvironmentReader, engine: SqlEngine): SqlDestinationSettings {
  const prefix = `ECP_${engine.toUpperCase()}`;
  const mode = env.optionalString(prefix) ?? "off";
  const databaseName = env.optionalString(`${prefix}_DATABASE`) ?? "changefeed";
  const required = (name: string) => {
    const value = env.optionalString(`${prefix}_${name}`);
    if (!value) throw new ConfigError(`${prefix}_${name} is required when ${prefix}=existing`);
    return value;
  };
  if (mode === "off") return { mode };
  if (mode === "aurora")
    return {
      mode,
      databaseName,
      engineVersion: env.optionalString(`${prefix}_VERSION`) ?? auroraDefaults[engine].engineVersion,
      minCapacity: Number(env.optionalString(`${prefix}_MIN_ACU`) ?? 0.5),
      maxCapacity: Number(env.optionalString(`${prefix}_MAX_ACU`) ?? 4),
      deletionProtection: env.flag("ECP_DELETION_PROTECTION", false),
    };
  if (mode === "existing")
    return {
      mode,
      host: required("HOST"),
      port: env.positiveInteger(`${prefix}_PORT`, auroraDefaults[engine].port),
      databaseName,
      user: required("USER"),
      dbUserArn: required("DB_USER_ARN"),
      cidr: required("CIDR"),
    };
  throw new ConfigError(`${prefix} is "${mode}": use off (the default), aurora or existing`);
}
