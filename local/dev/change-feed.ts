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
import { RoutingSink } from "../../domain/change-feed/sinks.js";
import { createTable, localCredentials } from "../aws/aws-clients.js";
import { urlAs } from "./engine-users.js";
import type { Shared } from "./stack.js";

/** As deployed: the writer may write to the mapping file's tables only. */
export function registerChangeWriter(shared: Shared, mappings: CompiledMapping[]) {
  // As deployed: the writer may write to the mapping file's tables only.
  const { allowedTables } = changeWriterConfig({ ALLOWED_TABLES: mappings.map((m) => m.table).join(",") });
  shared.functions["change-writer"] = (event) => writeChanges(shared.dynamo, writeRequestOf(event, allowedTables));
}

export async function startChangeFeed(shared: Shared, mappings: CompiledMapping[], lambdaEndpoint: string) {
  for (const table of new Set(mappings.map((m) => m.table))) await createTable(shared.dynamo, table, mappings.find((m) => m.table === table)!.partitionKey);
  const client = await connectRedis(
    { url: urlAs(shared.primaryUrl, shared.users.listener) },
    { enableAutoPipelining: true, maxRetriesPerRequest: null, commandTimeout: undefined },
  );
  const lambda = new LambdaClient({ endpoint: lambdaEndpoint, region: shared.options.region, credentials: localCredentials });
  const listener = new ChangeFeedListener(
    client,
    connectionsLike(client),
    new RoutingSink(shared.dynamo, lambda),
    shared.dynamo,
    { ...defaultListenerConfig, consumer: "make-dev", healthFile: shared.listenerHealthFile, metricsIntervalMs: 1_000 },
    createLogger("change-feed-listener"),
    shared.registry.metricsFor("change-feed", { flushedHere: false }),
  );
  // Every half minute here (five in AWS): a developer sees drift soon after making some.
  const drift = new DriftSampler(
    client,
    shared.dynamo,
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
  return { changeTable: mappings[0]?.table };
}
