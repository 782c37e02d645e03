// The listener's configuration file (JSON), written by user-data on EC2 and by the tests locally.
import { hostname } from "node:os";
import { defaultDriftConfig, type DriftConfig } from "../domain/change-feed/drift.js";
import { defaultListenerConfig, type ListenerConfig } from "../domain/change-feed/capture/listener.js";
import type { SqlEngine } from "../domain/change-feed/sql-destination.js";

export interface ListenerFileConfig {
  redisUrl: string;
  /** A cluster-mode-enabled group: subscribe on every primary. */
  cluster?: boolean;
  /** Secrets Manager secret with the AUTH token (AWS). */
  redisAuthSecretArn?: string;
  region?: string;
  /** Local stand-ins; unset in AWS. */
  dynamodbEndpoint?: string;
  lambdaEndpoint?: string;
  /** The access key id the local stand-ins take (make dev's Lambda endpoint checks it); unset in AWS. */
  localAccessKeyId?: string;
  mappingFile?: string;
  /** The SQL destinations' connections (locally, make dev's PostgreSQL and MariaDB); without one, a mapping to that engine is refused. */
  postgresUrl?: string;
  mysqlUrl?: string;
  /** In AWS: each engine's RDS Proxy (or the user's endpoint), reached with an IAM token (listener/sql-connections.ts). */
  sql?: Partial<Record<SqlEngine, SqlIamConnection>>;
  listener?: Partial<ListenerConfig>;
  drift?: Partial<DriftConfig>;
  /** The CloudWatch agent's EMF listener (`tcp://127.0.0.1:25888` on EC2); metrics go to stdout without it. */
  metricsAgent?: string;
  /** The log group the agent writes the metric documents to. */
  metricsLogGroup?: string;
}

export interface SqlIamConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  iamAuth: true;
}

export function listenerConfigOf(file: ListenerFileConfig): ListenerConfig {
  return { ...defaultListenerConfig, consumer: `${hostname()}-${process.pid}`, ...file.listener };
}

export const driftConfigOf = (file: ListenerFileConfig): DriftConfig => ({ ...defaultDriftConfig, ...file.drift });
