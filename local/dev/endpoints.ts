import { join } from "node:path";

// The keys of `.dev/endpoints.json`: a contract with tools and tests outside the repo. Add keys, never rename them.
export interface Endpoints {
  /** The local primary endpoint: always reaches the current primary, the same URL across `make failover`. */
  redisUrl: string;
  /** Every node of the local replication group, each on its own loopback address (for tests and tools). */
  nodeUrls: string[];
  /** The replicas at the last start or failover. */
  replicaUrls: string[];
  dynamodbEndpoint: string;
  s3Endpoint: string;
  region: string;
  /** Lambda Invoke API for the local functions (`replica-dns-keeper`, `change-writer`, ...). */
  lambdaEndpoint: string;
  /** The local Route 53 zone: record name -> node URL (`"replica1": "redis://127.0.0.3:7000"`). */
  zoneFile: string;
  /** The command API's GraphQL endpoint (same schema and resolver as AppSync). */
  graphqlUrl: string;
  /** An API key for it (`x-api-key`), kept across restarts (in the state folder), valid for 7 days from `make dev`'s start. */
  apiKey: string;
  /** The redis-cli console page. */
  consoleUrl: string;
  /** The status page: every data path's live figures and charts (same server as the console). */
  statusUrl: string;
  /** The same metrics in the Prometheus text format. */
  metricsUrl: string;
  /** The Upstash-compatible REST API: `new Redis({ url: restUrl, token: restToken })` from @upstash/redis. */
  restUrl: string;
  restToken: string;
  /** A token that may only run read-only commands. */
  restReadOnlyToken: string;
  /** Fixed examples of key-prefix scoping: this API key and REST token may touch only keys under `tenantKeyPrefix`. */
  tenantApiKey: string;
  tenantRestToken: string;
  tenantKeyPrefix: string;
  /** The feature store's reader: append `/recommendations?userId=1&rank=1`. */
  featureUrl: string;
  /** The s3rver bucket whose new objects are loaded, as S3 notifications would trigger the loader. */
  featureBucket: string;
  /** The DynamoDB table (in dynalite) the default change-feed mapping writes to. */
  changeTable: string;
  /** The change-feed listener's configuration file, as on EC2 (`make reconcile MAPPING=people` runs with it). */
  listenerConfig: string;
  /** The local PostgreSQL (Aurora PostgreSQL's engine) the `people-postgres` mapping writes to (table `people`). */
  postgresUrl: string;
  /** The local MariaDB (MySQL's protocol, as Aurora MySQL) the `people-mysql` mapping writes to (table `people`). */
  mysqlUrl: string;
  [key: string]: unknown;
}

/** Everything `make dev` keeps; DEV_STATE_DIR moves it (tests run a second stack beside a developer's). */
export const stateDir = process.env.DEV_STATE_DIR ?? ".dev";
export const endpointsFile = join(stateDir, "endpoints.json");

/** The local stack's stable ports: the base (Redis, `DEV_PORT_BASE`, default 7000) and the next eight. */
export interface DevPorts {
  redis: number;
  dynamodb: number;
  s3: number;
  lambda: number;
  graphql: number;
  rest: number;
  feature: number;
  postgres: number;
  mysql: number;
}

export function devPorts(base: number): DevPorts {
  return {
    redis: base,
    dynamodb: base + 1,
    s3: base + 2,
    lambda: base + 3,
    graphql: base + 4,
    rest: base + 5,
    feature: base + 6,
    postgres: base + 7,
    mysql: base + 8,
  };
}
