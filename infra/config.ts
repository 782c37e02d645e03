// The whole system's configuration, typed in one place, with defaults a first-time user can deploy.
// Overrides come from the environment (infra/config-environment.ts; docs/deploying.md, "Configuration").
import { keyspaceEventsNeeded } from "../domain/change-feed/capture/subscriptions.js";
import { defaultDataPathAlarms, type DataPathAlarmThresholds } from "../domain/runtime/alarm-rules.js";
import { ConfigError } from "../domain/runtime/errors.js";
import { defaultGatewaySettings, type GatewaySettings } from "../domain/command-gateway/settings.js";
import { defaultEngineLimits, type EngineLimits } from "../domain/redis/engine-limits.js";
import type { SqlEngine } from "../domain/change-feed/sql-destination.js";

/** The Node.js major of the Lambdas' runtime (`nodejs22.x`), the listener host and local runs (the `node` devDependency). */
export const nodeMajor = 22;

/** The longest an AppSync API key may live (CreateApiKey's `expires`). */
export const maxApiKeyExpiryDays = 365;

/** Valkey is ElastiCache's recommended engine (same protocol, lower node-hour price); Redis OSS stays available. */
export type CacheEngine = "valkey" | "redis";

/** Each engine's default version: the newest of the major this code is tested against that ElastiCache offers. */
export const engineDefaults: Record<CacheEngine, { version: string; versions: RegExp }> = {
  valkey: { version: "9.1", versions: /^(7\.2|8\.[0-2]|9\.[01])$/ },
  redis: { version: "7.1", versions: /^(6\.2|7\.[01])$/ },
};

/** The parameter group family of an engine version: `valkey9`, `redis7`, `redis6.x`. */
export function parameterGroupFamily(engine: CacheEngine, version: string): string {
  const major = Number(version.split(".")[0]);
  return engine === "valkey" ? `valkey${major}` : major >= 7 ? `redis${major}` : `redis${major}.x`;
}

/**
 * A SQL destination of the change feed, per engine: `off` (the default); `aurora`, an Aurora Serverless
 * v2 cluster this stack creates, reached through RDS Proxy with IAM authentication (infra/constructs/
 * aurora-destination.ts); or `existing`, an endpoint you run (a proxy or cluster reachable from the VPC).
 */
export type SqlDestinationSettings =
  | { mode: "off" }
  | { mode: "aurora"; databaseName: string; engineVersion: string; minCapacity: number; maxCapacity: number; deletionProtection: boolean }
  | {
      mode: "existing";
      host: string;
      port: number;
      databaseName: string;
      user: string;
      /** `arn:aws:rds-db:...:dbuser:<resource id>/<user>` */ dbUserArn: string;
      cidr: string;
    };

/** Aurora's defaults per engine: the newest major ElastiCache's peers run, the port, the log-in name. */
export const auroraDefaults: Record<SqlEngine, { engine: string; engineVersion: string; port: number; family: string }> = {
  postgres: { engine: "aurora-postgresql", engineVersion: "16.6", port: 5432, family: "aurora-postgresql16" },
  mysql: { engine: "aurora-mysql", engineVersion: "8.0.mysql_aurora.3.08.2", port: 3306, family: "aurora-mysql8.0" },
};

export interface SystemConfig {
  /** Prefix of every resource name; one deployment per name and region. */
  name: string;
  region: string;
  tags: Record<string, string>;
  /** Each data path can be switched off; all are on by default. */
  patterns: { changeFeed: boolean; commandApi: boolean; featureStore: boolean; replicaDns: boolean };
  network: {
    cidr: string;
    availabilityZones: number;
    /**
     * Zones the interface endpoints have a network interface in (1 halves their cost, for non-production:
     * an AZ's outage then cuts the private parts off AWS's APIs). At most `availabilityZones`.
     */
    endpointZones: number;
    /** Session Manager's endpoints (ssm, ssmmessages, ec2messages): without them nobody can open a shell on the listener host. */
    sessionManagerEndpoints: boolean;
  };
  cache: {
    engine: CacheEngine;
    engineVersion: string;
    nodeType: string;
    /** Replicas besides the primary (Multi-AZ failover needs at least one). */
    replicas: number;
    snapshotRetentionDays: number;
    /** `notify-keyspace-events` in the custom parameter group (ElastiCache refuses CONFIG SET). */
    keyspaceEvents: string;
    /** The engine's own bounds (client output buffers, background frees), in the parameter group and on every local server. */
    engineLimits: EngineLimits;
  };
  changeFeed: {
    tableName: string;
    listenerInstanceType: string;
    /**
     * Listener instances (the Auto Scaling group's size). Each captures its share of the shards under
     * a lease and takes over a lost one's within `leaseMs` (10 s); one is enough up to about 100,000
     * changes a second (docs/benchmarks.md), more give a standby or spread a cluster's shards.
     */
    listenerGroupSize: number;
    /** Node.js major the listener instance installs: the Lambdas' runtime major. */
    listenerNodeMajor: number;
    /** DynamoDB deletion protection on the table; off so `make destroy` removes it in one run. */
    deletionProtection: boolean;
    /** Mappings whose pattern has no literal text (`{id}`, `*`) copy every hash in Redis, other tenants' too: off unless set. */
    allowCatchAllMappings: boolean;
    /** Mappings written to the listener's mapping file (schema/change-feed-mapping.schema.json); a SQL one names its `destination`, `table` and `columns`. */
    mappings: {
      name: string;
      pattern: string;
      lambda?: boolean;
      partitionKey?: string;
      format?: "attributes" | "envelope";
      destination?: SqlEngine;
      table?: string;
      columns?: Record<string, string>;
    }[];
    /** SQL destinations, per engine: off unless set (docs/deploying.md, "SQL destinations"). */
    sql: Record<SqlEngine, SqlDestinationSettings>;
  };
  commandApi: {
    /** Limits, scripts and key-prefix scoping: the settings table in docs/command-api.md. */
    gateway: GatewaySettings;
    /** Days the AppSync API key is valid after it is created (AppSync: 1 to 365; without a value it would expire after 7). */
    apiKeyExpiryDays: number;
    /** Requests per second and burst for the REST endpoint's stage. */
    throttle: { rate: number; burst: number };
    /** GraphQL introspection (the schema's own description, to any key holder): off unless a setting says so. */
    introspection: boolean;
    /** Reserved concurrency of each gateway function; `auto` sizes it from the node's memory (infra/gateway-concurrency.ts). Off by default: a new account's quota of 10 refuses any reservation. */
    reservedConcurrency?: number | "auto";
    /**
     * Reserved concurrency of the streaming function: each subscription stream holds one invocation (and one
     * Redis connection) for up to STREAM_LIFETIME_SECONDS, so this is the most streams open at once in AWS.
     * Off by default, as above: then the account's concurrency is the bound.
     */
    subscribeConcurrency?: number;
  };
  featureStore: {
    /** A separate cluster-mode-enabled group for the feature store, as in the original design. */
    dedicatedCluster: boolean;
    shards: number;
    previousVersionTtlSeconds: number;
    throttle: { rate: number; burst: number };
    /** `make destroy` empties the batch-file bucket; default on unless the name says production (`prod`). */
    forceDestroyBucket?: boolean;
  };
  replicaDns: {
    zoneName: string;
    /** First label gets the replica number: `replica.cache.internal.` -> `replica1.cache.internal.` */
    cnameTemplate: string;
    readerName?: string;
    primaryName?: string;
    ttl: number;
    scheduleMinutes: number;
    /**
     * Reserved concurrency for the keeper (1 keeps two runs from racing on the zone). Off by default: a
     * new account's concurrency quota of 10 refuses any reservation that leaves fewer than 10 unreserved.
     */
    reservedConcurrency?: number;
  };
  logRetentionDays: number;
  /**
   * Days Secrets Manager keeps a deleted secret recoverable (7-30): a destroy, or a mistaken delete, can
   * be undone. Secrets are named by prefix, so a new apply never waits for a name a deleted one holds.
   */
  secretRecoveryWindowDays: number;
  /** Local Terraform state, relative to the repository (outside cdktf.out/, which `make clean` deletes). */
  stateDirectory: string;
  alarms: {
    /** Optional e-mail subscribed to the alarm topic. */
    email?: string;
    newConnectionsThreshold: number;
    currentConnectionsThreshold: number;
    cpuPercent: number;
    replicationLagSeconds: number;
    /** What each data path's alarms wake someone for (infra/constructs/data-path-alarms.ts; runbooks in docs/operating.md). */
    dataPaths: DataPathAlarmThresholds;
  };
  /** Terraform Cloud: each stack gets a workspace `<prefix>-<stack>` when an organization is set. */
  terraformCloud?: { organization: string; workspacePrefix: string };
  /**
   * What Terraform otherwise looks up through an AWS API while it plans: set to pin a value (an AMI that
   * changes only when you say so) or to plan where those APIs cannot be called. Unset: looked up.
   */
  lookups: {
    /** Availability zone names, at least `network.availabilityZones` of them. */
    availabilityZones?: string[];
    accountId?: string;
    /** The listener's AMI (default: the latest Amazon Linux 2023 arm64 from its public SSM parameter). */
    listenerAmiId?: string;
  };
}

export const defaultConfig: SystemConfig = {
  name: "ecp",
  region: "us-east-1",
  tags: { project: "elasticache-patterns", managedBy: "cdktf" },
  patterns: { changeFeed: true, commandApi: true, featureStore: true, replicaDns: true },
  network: { cidr: "10.40.0.0/16", availabilityZones: 2, endpointZones: 2, sessionManagerEndpoints: true },
  cache: {
    engine: "valkey",
    engineVersion: engineDefaults.valkey.version,
    nodeType: "cache.t4g.small",
    replicas: 2,
    snapshotRetentionDays: 7,
    keyspaceEvents: keyspaceEventsNeeded,
    engineLimits: defaultEngineLimits,
  },
  changeFeed: {
    tableName: "changes",
    listenerInstanceType: "t4g.small",
    listenerGroupSize: 1,
    listenerNodeMajor: nodeMajor,
    deletionProtection: false,
    allowCatchAllMappings: false,
    mappings: [{ name: "people", pattern: "person*", lambda: true }],
    sql: { postgres: { mode: "off" }, mysql: { mode: "off" } },
  },
  commandApi: { gateway: defaultGatewaySettings, apiKeyExpiryDays: maxApiKeyExpiryDays, throttle: { rate: 100, burst: 200 }, introspection: false },
  featureStore: { dedicatedCluster: false, shards: 3, previousVersionTtlSeconds: 3_600, throttle: { rate: 500, burst: 1_000 } },
  replicaDns: {
    zoneName: "cache.internal.",
    cnameTemplate: "replica.cache.internal.",
    readerName: "reader.cache.internal.",
    primaryName: "primary.cache.internal.",
    ttl: 10,
    scheduleMinutes: 5,
  },
  logRetentionDays: 30,
  secretRecoveryWindowDays: 7,
  stateDirectory: ".state",
  alarms: {
    newConnectionsThreshold: 1_000,
    currentConnectionsThreshold: 5_000,
    cpuPercent: 80,
    replicationLagSeconds: 5,
    dataPaths: defaultDataPathAlarms,
  },
  lookups: {},
};

/** Whether `make destroy` empties the feature store's bucket: the setting, else on for names without `prod`. */
export const forceDestroyFeatureBucket = (config: SystemConfig) => config.featureStore.forceDestroyBucket ?? !/prod/.test(config.name);

/** Refuses, before synthesis, a configuration AWS would refuse halfway through an apply. */
export function validateConfig(config: SystemConfig): void {
  const { engine, engineVersion } = config.cache;
  if (!engineDefaults[engine]?.versions.test(engineVersion)) {
    throw new ConfigError(
      `cache.engineVersion "${engineVersion}" is not a ${engine} version ElastiCache offers here (default ${engineDefaults[engine]?.version})`,
    );
  }
  if (!/^[a-z][a-z0-9-]{1,15}$/.test(config.name))
    throw new ConfigError(`name "${config.name}" must be 2-16 lower-case letters, digits or '-', starting with a letter`);
  if (config.cache.replicas < 1 || config.cache.replicas > 5)
    throw new ConfigError(`cache.replicas is ${config.cache.replicas}: Multi-AZ failover needs 1 to 5 replicas`);
  const window = config.secretRecoveryWindowDays;
  if (window < 7 || window > 30) throw new ConfigError(`secretRecoveryWindowDays is ${window}: a deleted secret stays recoverable 7 to 30 days`);
  if (config.network.availabilityZones < 2) throw new ConfigError("network.availabilityZones must be at least 2 (Multi-AZ)");
  if (config.network.endpointZones > config.network.availabilityZones)
    throw new ConfigError(`network.endpointZones is ${config.network.endpointZones}: at most the ${config.network.availabilityZones} zones the network spans`);
  const days = config.commandApi.apiKeyExpiryDays;
  if (days < 1 || days > maxApiKeyExpiryDays) throw new ConfigError(`commandApi.apiKeyExpiryDays is ${days}: AppSync takes 1 to ${maxApiKeyExpiryDays} days`);
  const lifetime = config.commandApi.gateway.streamLifetimeSeconds;
  // API Gateway ends a streamed response at 15 minutes: the stream must end first, with its comment saying why.
  if (lifetime > 870)
    throw new ConfigError(`STREAM_LIFETIME_SECONDS is ${lifetime}: API Gateway ends a streamed response at 900 s; at most 870 leaves it time to close`);
  const { availabilityZones, accountId, listenerAmiId } = config.lookups;
  if (availabilityZones && availabilityZones.length < config.network.availabilityZones) {
    throw new ConfigError(`lookups.availabilityZones names ${availabilityZones.length} zones; the network spans ${config.network.availabilityZones}`);
  }
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw new ConfigError(`lookups.accountId "${accountId}" is not a 12-digit AWS account id`);
  if (listenerAmiId !== undefined && !/^ami-[0-9a-f]{8,17}$/.test(listenerAmiId))
    throw new ConfigError(`lookups.listenerAmiId "${listenerAmiId}" is not an AMI id`);
  for (const m of config.changeFeed.mappings)
    if (m.destination && config.changeFeed.sql[m.destination].mode === "off")
      throw new ConfigError(`changeFeed mapping ${m.name} writes to ${m.destination}, but changeFeed.sql.${m.destination} is off`);
  for (const [engine, sql] of Object.entries(config.changeFeed.sql))
    if (sql.mode === "aurora" && !(sql.minCapacity >= 0 && sql.minCapacity <= sql.maxCapacity && sql.maxCapacity <= 256))
      throw new ConfigError(`changeFeed.sql.${engine}: Aurora Serverless v2 takes 0 <= minCapacity <= maxCapacity <= 256 ACUs`);
  const zone = config.replicaDns.zoneName.endsWith(".") ? config.replicaDns.zoneName : `${config.replicaDns.zoneName}.`;
  if (!config.replicaDns.cnameTemplate.endsWith(`.${zone}`))
    throw new ConfigError(`replicaDns.cnameTemplate "${config.replicaDns.cnameTemplate}" is not inside the zone "${zone}"`);
}
