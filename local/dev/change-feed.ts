// The change feed locally: the writer behind the Lambda Invoke API, and the listener (with its drift
// sampler) against the local primary, as its user, reporting to the stack's metric registry.
import { LambdaClient } from "@aws-sdk/client-lambda";
import { writeChanges, writeRequestOf } from "../../domain/change-feed/writer.js";
import { changeWriterConfig } from "../../functions/change-writer/config.js";
import { createLogger } from "../../domain/runtime/log.js";
import { connectRedis } from "../../domain/redis/clients.js";
import { defaultDriftConfig, DriftSampler } from "../../domain/change-feed/drift.js";
import { ChangeFeedListener, defaultListenerConfig } from "../../domain/change-feed/capture/listener.js";
import { connectionsLike } from "../../domain/change-feed/capture/connections.js";
import type { CompiledMapping } from "../../domain/change-feed/mappings.js";
import { RoutingSink, type ChangeSink } from "../../domain/change-feed/sinks.js";
import type { SqlEngine } from "../../domain/change-feed/sql-destination.js";
import type { SqlDialects } from "../../domain/change-feed/destination-reader.js";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createTable } from "../aws/aws-clients.js";
import { lambdaCredentials } from "./credentials.js";
import { urlAs } from "./engine-users.js";
import type { Shared } from "./stack.js";

/** As deployed: the writer may write to the mapping file's tables only. */
export function registerChangeWriter(shared: Shared, mappings: CompiledMapping[]) {
  // As deployed: the writer may write to the mapping file's tables only.
  const { allowedTables } = changeWriterConfig({
    ALLOWED_TABLES: mappings
      .filter((m) => !m.sql)
      .map((m) => m.table)
      .join(","),
  });
  shared.functions["change-writer"] = (event) => writeChanges(shared.dynamo, writeRequestOf(event, allowedTables));
}

/**
 * The sink as deployed, but a mapping's missing table is created in dynalite when the mapping loads, as
 * Terraform creates the tables in AWS: a mapping added at run time (the docs' `orders`) works as pasted.
 */
function localSink(shared: Shared, lambda: LambdaClient, sql: SqlSinks): ChangeSink {
  const sink = new RoutingSink(shared.dynamo, lambda, sql);
  return {
    write: (mapping, changes, options) => sink.write(mapping, changes, options),
    check: async (mapping) => {
      if (!mapping.sql) await createTable(shared.dynamo, mapping.table, mapping.partitionKey);
      return sink.check(mapping);
    },
  };
}

/** The listener's configuration file (listener/config.ts's format), as user-data writes it on EC2: what `make reconcile` runs with. */
function writeListenerConfig(shared: Shared, lambdaEndpoint: string, sqlUrls: { postgresUrl?: string; mysqlUrl?: string }): string {
  const file = join(shared.options.stateDir, "listener.json");
  const config = {
    redisUrl: urlAs(shared.primaryUrl, shared.users.listener),
    region: shared.options.region,
    dynamodbEndpoint: shared.dynamodbEndpoint,
    lambdaEndpoint,
    localAccessKeyId: shared.credentials.lambdaAccessKeyId,
    mappingFile: resolve(shared.options.mappingFile),
    ...sqlUrls,
  };
  writeFileSync(file, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  return file;
}

/** The SQL destinations' sinks, by engine (sql-destinations.ts). */
type SqlSinks = Partial<Record<SqlEngine, ChangeSink>>;

export async function startChangeFeed(
  shared: Shared,
  mappings: CompiledMapping[],
  lambdaEndpoint: string,
  sql: { sinks: SqlSinks; dialects: SqlDialects; urls: { postgresUrl?: string; mysqlUrl?: string } } = { sinks: {}, dialects: {}, urls: {} },
) {
  const client = await connectRedis(
    { url: urlAs(shared.primaryUrl, shared.users.listener) },
    { enableAutoPipelining: true, maxRetriesPerRequest: null, commandTimeout: undefined },
  );
  const lambda = new LambdaClient({ endpoint: lambdaEndpoint, region: shared.options.region, credentials: lambdaCredentials(shared.credentials) });
  const listener = new ChangeFeedListener(
    client,
    connectionsLike(client),
    localSink(shared, lambda, sql.sinks),
    { dynamo: shared.dynamo, sql: sql.dialects },
    { ...defaultListenerConfig, consumer: "make-dev", healthFile: shared.listenerHealthFile, metricsIntervalMs: 1_000 },
    createLogger("change-feed-listener"),
    shared.registry.metricsFor("change-feed", { flushedHere: false }),
  );
  // Every half minute here (five in AWS): a developer sees drift soon after making some.
  const drift = new DriftSampler(
    client,
    { dynamo: shared.dynamo, sql: sql.dialects },
    () => listener.activeMappings,
    { ...defaultDriftConfig, intervalMs: 30_000, settleMs: 2_000 },
    (r) => listener.metrics.drift(r.mapping, r.sampled, r.differing.length),
    createLogger("change-feed-drift"),
  );
  shared.started.push({
    stop: async () => {
      drift.stop();
      await listener.stop();
      client.disconnect();
      lambda.destroy();
    },
  });
  await listener.start(mappings);
  drift.start();
  return { changeTable: mappings[0]?.table, listenerConfig: writeListenerConfig(shared, lambdaEndpoint, sql.urls) };
}
