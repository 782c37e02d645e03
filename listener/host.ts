// What the listener host's programs share: the configuration file and the clients it names.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import type { Cluster, Redis } from "ioredis";
import { readFileSync } from "node:fs";
import { parseMappingFile, type CompiledMapping, type MappingOptions } from "../domain/change-feed/mappings.js";
import { RoutingSink } from "../domain/change-feed/sinks.js";
import type { SqlDialects } from "../domain/change-feed/destination-reader.js";
import { SqlSink } from "../domain/change-feed/sql-sink.js";
import { writerClientConfig } from "../domain/change-feed/writer.js";
import { connectRedisOrCluster } from "../domain/redis/clients.js";
import type { ListenerFileConfig } from "./config.js";
import { sqlDialectsOf } from "./sql-connections.js";

/** The JSON file user-data writes on EC2 (and the tests write locally); exits with a usage line when none is named. */
export function readConfigFile(path: string | undefined, usage: string): ListenerFileConfig {
  if (!path) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    console.error(
      `no listener configuration at ${path} (${why}): locally, run make reconcile MAPPING=<name> while make dev runs; on the listener host, /opt/changefeed/listener.json`,
    );
    process.exit(2);
  }
  try {
    return JSON.parse(text) as ListenerFileConfig;
  } catch (error) {
    console.error(`the listener configuration ${path} is not JSON: ${(error as Error).message}`);
    process.exit(2);
  }
}

export interface HostClients {
  client: Redis | Cluster;
  dynamo: DynamoDBClient;
  sink: RoutingSink;
  /** The SQL destinations the configuration names, by engine. */
  sql: SqlDialects;
}

export async function openHostClients(file: ListenerFileConfig): Promise<HostClients> {
  // Locally the stand-ins take any credentials; in AWS the instance role provides them.
  const local = file.dynamodbEndpoint ? { credentials: { accessKeyId: file.localAccessKeyId ?? "local", secretAccessKey: "local" } } : {};
  const dynamo = new DynamoDBClient({ ...writerClientConfig, region: file.region, endpoint: file.dynamodbEndpoint, ...local });
  const lambda = new LambdaClient({ region: file.region, endpoint: file.lambdaEndpoint, ...local });
  // The listener never gives up on Redis: it reconnects for as long as it runs, and rescans after.
  const client = await connectRedisOrCluster(
    { url: file.redisUrl, cluster: file.cluster, authSecretArn: file.redisAuthSecretArn },
    { redisOptions: { maxRetriesPerRequest: null, enableAutoPipelining: true, commandTimeout: undefined } },
  );
  const sql = await sqlDialectsOf(file);
  const sinks = Object.fromEntries(Object.entries(sql).map(([engine, dialect]) => [engine, new SqlSink(dialect)]));
  return { client, dynamo, sink: new RoutingSink(dynamo, lambda, sinks), sql };
}

export const fileMappingsOf = (file: ListenerFileConfig, options: MappingOptions): CompiledMapping[] =>
  file.mappingFile ? parseMappingFile(readFileSync(file.mappingFile, "utf8"), options) : [];
