// Change-feed fixtures: a listener on its own redis-server (or a cluster), started and stopped for one test.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Cluster, Redis } from "ioredis";
import { connectRedisOrCluster } from "../../domain/redis/clients.js";
import type { Change } from "../../domain/change-feed/writer.js";
import { memoryLogger, type Logger } from "../../domain/runtime/log.js";
import { ChangeFeedListener, defaultListenerConfig, type ListenerConfig } from "../../domain/change-feed/capture/listener.js";
import { connectionsLike } from "../../domain/change-feed/capture/connections.js";
import { keyspaceEventsNeeded } from "../../domain/change-feed/capture/subscriptions.js";
import { parseMapping, type CompiledMapping } from "../../domain/change-feed/mappings.js";
import type { ReconcileReport } from "../../domain/change-feed/reconcile.js";
import type { ChangeSink } from "../../domain/change-feed/sinks.js";
import { startCluster, startRedis } from "../../local/launcher/services.js";

/** What every listener test needs from the server: the keyspace notifications the deployment turns on. */
export const notifications = { "notify-keyspace-events": keyspaceEventsNeeded };

export const people = () => parseMapping({ name: "people", pattern: "person:{id}", table: "people" });

export interface ListenerFixture {
  client: Redis | Cluster;
  listener: ChangeFeedListener;
}

/**
 * Runs `test` against a started listener (by default mapping `person:{id}` -> `people`) on a fresh redis-server,
 * or a three-primary cluster with `{ cluster: true }`, and cleans everything up afterwards.
 */
export async function withListener(
  options: { sink: ChangeSink; dynamo?: DynamoDBClient; config?: Partial<ListenerConfig>; cluster?: boolean; mappings?: CompiledMapping[]; log?: Logger },
  test: (fixture: ListenerFixture) => Promise<void>,
): Promise<void> {
  const server = options.cluster ? await startCluster({ primaries: 3, config: notifications }) : await startRedis({ config: notifications });
  // As the listener connects in AWS (connectRedisOrCluster's options: a cluster does not auto-pipeline).
  const client = await connectRedisOrCluster(
    { url: "startupNodes" in server ? server.nodes[0].url : server.url, cluster: "startupNodes" in server },
    { redisOptions: { maxRetriesPerRequest: null, commandTimeout: undefined } },
  );
  const listener = new ChangeFeedListener(
    client,
    connectionsLike(client),
    options.sink,
    { dynamo: options.dynamo },
    { ...defaultListenerConfig, consumer: "test", rescanDeletes: false, ...options.config },
    options.log ?? memoryLogger(),
  );
  try {
    await listener.start(options.mappings ?? [people()]);
    await test({ client, listener });
  } finally {
    await listener.stop();
    client.disconnect();
    await server.stop();
  }
}

/** A sink that confirms every change once `onWrite` has seen it (and returned, or thrown to fail the delivery). */
export const confirmingSink = (onWrite: (changes: Change[]) => Promise<void> | void): ChangeSink => ({
  async write(_mapping, changes) {
    await onWrite(changes);
    return { written: changes.length, skipped: 0, retried: 0, rejected: [] };
  },
});

/** How many keys a reconcile found different: missing, stale and orphaned together. */
export const differences = (report: ReconcileReport) => report.missing.length + report.stale.length + report.orphaned.length + report.collisions.length;
