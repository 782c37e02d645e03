import { expect } from "chai";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Redis } from "ioredis";
import { writeChanges, writeRequestOf } from "../domain/change-feed/writer.js";
import { CommandGateway } from "../domain/command-gateway/gateway.js";
import { CurrentVersion, readRecommendations } from "../domain/feature-store/reader.js";
import { RecommendationLoader } from "../domain/feature-store/loader.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { endpointFromUrl } from "../domain/redis/connector.js";
import { connectRedis } from "../domain/redis/clients.js";
import { RespConnection } from "../domain/redis/resp-connection.js";
import { ChangeFeedListener, defaultListenerConfig } from "../domain/change-feed/capture/listener.js";
import { connectionsLike } from "../domain/change-feed/capture/connections.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { reconcile } from "../domain/change-feed/reconcile.js";
import { RoutingSink } from "../domain/change-feed/sinks.js";
import { failover } from "../local/dev/failover.js";
import type { PrimaryEndpoint } from "../local/aws/primary-endpoint.js";
import type { ReplicationGroup } from "../local/launcher/services.js";
import { differences } from "./harness/change-feed.js";
import { startFailoverBed, type FailoverBed } from "./harness/failover.js";
import { startSinks, type Sinks } from "./harness/sinks.js";
import { gatewaySettings } from "./harness/command-gateway.js";
import { eventually, sleep } from "./harness/eventually.js";

const people = parseMapping({ name: "people", pattern: "person:{id}", table: "people" });
const listenerConfig = { ...defaultListenerConfig, probeIntervalMs: 500, probeTimeoutMs: 500, claimIdleMs: 2_000 };

describe("failover drill: writes and deletes before, during and after a promotion, on the local primary endpoint", function () {
  this.timeout(90_000);
  let bed: FailoverBed;
  let group: ReplicationGroup;
  let endpoint: PrimaryEndpoint;
  let sinks: Sinks;
  let dynamo: DynamoDBClient;

  before(async () => {
    bed = await startFailoverBed(["127.0.2.1", "127.0.2.2", "127.0.2.3"]);
    ({ group, endpoint } = bed);
    sinks = await startSinks(["people"]);
    dynamo = sinks.dynamo;
  });
  after(async () => {
    await sinks.stop();
    await bed.stop();
  });

  it("every key converges in DynamoDB, the command API and the feature reader answer again within seconds, and everything stops", async () => {
    const client = await connectRedis({ url: endpoint.url }, { enableAutoPipelining: true, maxRetriesPerRequest: null, commandTimeout: undefined });
    const sink = {
      write: (mapping: typeof people, changes: Parameters<typeof writeChanges>[1]["changes"]) =>
        writeChanges(dynamo, writeRequestOf({ table: mapping.table, changes }, new Set())),
    };
    const listener = new ChangeFeedListener(client, connectionsLike(client), sink, { dynamo }, { ...listenerConfig, consumer: "drill" }, memoryLogger());
    const app = new Redis(endpoint.url, {
      maxRetriesPerRequest: 20,
      retryStrategy: () => 50,
      reconnectOnError: (e) => (e.message.startsWith("READONLY") ? 2 : false),
    });
    const connection = new RespConnection({ ...endpointFromUrl(endpoint.url), connectTimeoutMs: 500 });
    const gateway = new CommandGateway(connection, gatewaySettings());
    const reader = await connectRedis({ url: endpoint.url });
    const stopped: Promise<unknown>[] = [];
    try {
      await listener.start([people]);
      await new RecommendationLoader(app, memoryLogger()).load({
        uri: "s3://b/recs.jsonl",
        etag: "1",
        chunks: (async function* () {
          yield '{"userId":1,"movieId":[2012]}\n';
        })(),
      });
      // Before: 100 hashes, 20 deleted.
      for (let i = 0; i < 100; i++) await app.hset(`person:${i}`, "phase", "before");
      for (let i = 0; i < 20; i++) await app.del(`person:${i}`);
      // During: a writer keeps going while a replica is promoted.
      let writing = true;
      let written = 0;
      const during = (async () => {
        while (writing) {
          const i = 100 + (written % 100);
          await app.hset(`person:${i}`, "phase", "during", "n", String(written)).then(
            () => written++,
            () => sleep(20),
          );
          if (written % 7 === 0) await app.del(`person:${i - 50}`).catch(() => undefined);
        }
      })();
      await sleep(300);
      // Replication is asynchronous: a failover can lose the last writes, in ElastiCache too. The drill
      // makes sure the replicas have what was loaded before, so what it tests is the recovery.
      await app.call("WAIT", "2", "5000");
      const result = await failover(group.nodes.map((n) => n.url));
      const failedOverAt = Date.now();
      await eventually(
        "the primary endpoint to follow",
        async () => endpoint.primary(),
        (p) => p === result.newPrimary,
        5_000,
      );
      // The command API answers a write again, through the same endpoint.
      await eventually(
        "the command API",
        () => gateway.run([["SET", "after-failover", "1"]], { access: "write", transaction: false }).catch(() => undefined),
        (r) => r?.[0].reply.ok === true,
        10_000,
        50,
      );
      const commandApiSeconds = (Date.now() - failedOverAt) / 1000;
      const current = new CurrentVersion(reader);
      const request = { method: "GET", path: "/recommendations", query: new URLSearchParams({ userId: "1", rank: "1" }), headers: {}, body: "" };
      await eventually(
        "the feature reader",
        () => readRecommendations(reader, current, request).catch(() => undefined),
        (r) => r?.status === 200,
        10_000,
        50,
      );
      await sleep(500);
      writing = false;
      await during;
      // After: more writes and deletes on the new primary.
      for (let i = 200; i < 260; i++) await app.hset(`person:${i}`, "phase", "after");
      for (let i = 200; i < 215; i++) await app.del(`person:${i}`);
      const report = await eventually(
        "every key to converge",
        () => reconcile(app, dynamo, people),
        (r) => differences(r) === 0,
        30_000,
        250,
      );
      expect(report.redisKeys).to.be.greaterThan(150);
      expect(written).to.be.greaterThan(10);
      expect(commandApiSeconds).to.be.below(10);
      expect(endpoint.switches).to.equal(1);
      expect(listener.health()).to.deep.include({ status: "running", notificationsOk: true });
    } finally {
      // make dev's shutdown after a failover: everything stops, within seconds.
      const started = Date.now();
      stopped.push(listener.stop());
      await Promise.all(stopped);
      for (const c of [client, app, reader]) c.disconnect();
      connection.close();
      expect(Date.now() - started).to.be.below(5_000);
    }
  });

  it("health tells the truth: a listener left on a demoted node (no connection drop) hears nothing and says so", async () => {
    const primaryUrl = endpoint.primary()!;
    const direct = await connectRedis({ url: primaryUrl }, { maxRetriesPerRequest: null, commandTimeout: undefined });
    const listener = new ChangeFeedListener(
      direct,
      connectionsLike(direct),
      new RoutingSink(dynamo),
      { dynamo },
      { ...listenerConfig, consumer: "stuck" },
      memoryLogger(),
    );
    try {
      await listener.start([people]);
      expect(listener.health()).to.deep.include({ status: "running", notificationsOk: true });
      await failover(group.nodes.map((n) => n.url));
      const health = await eventually(
        "health to say it is deaf",
        async () => listener.health(),
        (h) => h.status !== "running",
        10_000,
        100,
      );
      expect(health.notificationsOk).to.equal(false);
      expect(health.lastError).to.match(/no notification|READONLY|probe/);
    } finally {
      await listener.stop();
      direct.disconnect();
    }
  });
});
