import { expect } from "chai";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Redis } from "ioredis";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeChanges, writeRequestOf } from "../domain/change-feed/writer.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { reconcile } from "../domain/change-feed/reconcile.js";
import { localRegion } from "../local/aws/aws-clients.js";
import { liveItem, recreateTable } from "./harness/dynamo.js";
import { failover } from "../local/dev/failover.js";
import type { PrimaryEndpoint } from "../local/aws/primary-endpoint.js";
import { startRedis, type RedisNode, type ReplicationGroup } from "../local/launcher/services.js";
import { differences, notifications } from "./harness/change-feed.js";
import { killHard } from "./harness/cli.js";
import { eventually, sleep } from "./harness/eventually.js";
import { startFailoverBed, type FailoverBed } from "./harness/failover.js";
import { startOutage, type Outage } from "./harness/outage.js";
import { startSinks, type Sinks } from "./harness/sinks.js";
import { compare, operations, runWorkload, type Comparison } from "./harness/workload.js";

const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const clean = (c: Comparison) => c.missing.length + c.stale.length + c.extra.length === 0;

describe(`change feed under a seeded fault workload (seed ${seed}; FAULT_SEED=${seed} repeats it)`, function () {
  this.timeout(120_000);
  let bed: FailoverBed;
  let group: ReplicationGroup;
  let endpoint: PrimaryEndpoint;
  let sinks: Sinks;
  let dynamo: DynamoDBClient;
  let dir: string;
  let sinkDown = false;
  /** The listener's own way to DynamoDB (rescans scan tables): unreachable during a sink outage. */
  let dynamoPath: Outage;
  let listener: ChildProcess | undefined;

  before(async () => {
    bed = await startFailoverBed(["127.0.4.1", "127.0.4.2", "127.0.4.3"]);
    ({ group, endpoint } = bed);
    sinks = await startSinks(["people"], (d) => ({
      "change-writer": async (event) => {
        if (sinkDown) throw new Error("the sink is down (test)");
        return writeChanges(d, writeRequestOf(event, new Set(["people"])));
      },
    }));
    dynamo = sinks.dynamo;
    dynamoPath = await startOutage(sinks.dynamodbEndpoint);
    dir = mkdtempSync(join(tmpdir(), "ecp-faults-"));
    writeFileSync(
      join(dir, "mappings.json"),
      JSON.stringify({ mappings: [{ name: "people", pattern: "person:{id}", table: "people", lambda: "change-writer" }] }),
    );
    writeFileSync(
      join(dir, "listener.json"),
      JSON.stringify({
        redisUrl: endpoint.url,
        region: localRegion,
        dynamodbEndpoint: dynamoPath.endpoint,
        lambdaEndpoint: sinks.lambdaEndpoint,
        mappingFile: join(dir, "mappings.json"),
        listener: { consumer: "faults", healthFile: join(dir, "health.json"), claimIdleMs: 2_000, probeIntervalMs: 1_000, probeTimeoutMs: 1_000 },
      }),
    );
  });
  after(async () => {
    listener?.kill("SIGKILL");
    await dynamoPath.stop();
    await sinks.stop();
    await bed.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(`      fault workload seed: ${seed} (FAULT_SEED=${seed} npx mocha ... repeats it)`);
  });

  /** Stops a node and starts an empty one in its place (no persistence); replicas resync from it. */
  const restart = async (node: RedisNode): Promise<RedisNode> => {
    await node.stop();
    return startRedis({ host: node.host, port: node.port, config: notifications });
  };
  /** The sink goes away whole: the writer Lambda fails and DynamoDB is unreachable from the listener. */
  const sink = (reachable: boolean) => {
    sinkDown = !reachable;
    if (reachable) dynamoPath.up();
    else dynamoPath.down();
  };
  const startListener = () =>
    spawn(process.execPath, ["--import", "tsx", "listener/main.ts", join(dir, "listener.json")], { stdio: ["ignore", "ignore", "inherit"] });

  /** Runs the workload with `faults` beside it, then waits for Redis and DynamoDB to agree; reconcile must agree too. */
  const scenario = async (ops: ReturnType<typeof operations>, faults: (redis: Redis) => Promise<void>) => {
    const redis = new Redis(endpoint.url, {
      maxRetriesPerRequest: 3,
      retryStrategy: () => 20,
      reconnectOnError: (e) => (e.message.startsWith("READONLY") ? 2 : false),
    });
    redis.on("error", () => {});
    try {
      await redis.flushall();
      await recreateTable(dynamo, "people", "id");
      listener ??= startListener();
      await eventually(
        "the listener to hear",
        async () => health(),
        (h) => h.notificationsOk === true,
        15_000,
        100,
      );
      const [ran] = await Promise.all([runWorkload(redis, seed, 10, ops), faults(redis)]);
      const started = Date.now();
      const result = await eventually("Redis and DynamoDB to agree", () => compare(redis, dynamo, "people"), clean, 45_000, 250);
      console.log(
        `      ${ran} operations; ${result.redisKeys} keys of every type; converged ${((Date.now() - started) / 1000).toFixed(2)} s after the workload`,
      );
      // Reconcile must agree with the item-by-item comparison. A key whose TTL ran out after the comparison
      // is a moment both must catch up with, so they are read together until they settle.
      const people = parseMapping({ name: "people", pattern: "person:{id}", table: "people" });
      const both = await eventually(
        "reconcile to agree with the comparison",
        async () => ({ compared: await compare(redis, dynamo, "people"), report: await reconcile(redis, dynamo, people) }),
        ({ compared, report }) => clean(compared) && differences(report) === 0 && compared.redisKeys === report.redisKeys && compared.items === report.items,
        10_000,
        250,
      );
      expect(differences(both.report), JSON.stringify(both.report)).to.equal(0);
    } finally {
      redis.disconnect();
    }
  };
  const health = () => {
    try {
      return JSON.parse(readFileSync(join(dir, "health.json"), "utf8")) as {
        notificationsOk?: boolean;
        consumer?: string;
        at?: string;
        rescan?: { pending: string[]; failures: number };
      };
    } catch {
      return {};
    }
  };

  it("the listener SIGKILLed and restarted, the sink down and up, a failover: Redis and DynamoDB agree item by item, and reconcile agrees", async () => {
    await scenario(operations(300), async () => {
      await sleep(2_000);
      listener!.kill("SIGKILL");
      await sleep(1_000);
      listener = startListener();
      await sleep(1_500);
      sink(false);
      await sleep(2_000);
      sink(true);
      await sleep(1_000);
      await failover(group.nodes.map((n) => n.url));
    });
  });

  it("every operation (SET on mapped keys, MOVE, HSETNX ...) with the sink down and up mid-workload: deletes made meanwhile arrive too", async () => {
    await scenario(operations(300, true), async () => {
      await sleep(3_000);
      sink(false);
      await sleep(4_000);
      sink(true);
    });
  });

  it("the listener restarted while the sink is down, keys deleted meanwhile: its start-up rescan (deletes included) completes once the sink is back", async () => {
    await scenario(operations(300, true), async (redis) => {
      // Keys the workload never touches: once deleted while nobody listens, only the start-up
      // rescan's look at the table can find them.
      const deleted = Array.from({ length: 60 }, (_, i) => `person:outage-${i}`);
      for (const key of deleted) await redis.hset(key, "n", "1");
      await eventually(
        "their items in DynamoDB",
        () => Promise.all(deleted.map((key) => liveItem(dynamo, "people", { id: key.slice("person:".length) }))),
        (items) => items.every((item) => item !== undefined),
        20_000,
        100,
      );
      sink(false);
      await killHard(listener!);
      await redis.del(...deleted);
      const startedAt = new Date().toISOString();
      listener = startListener();
      const pending = await eventually(
        "the restarted listener to report its rescan pending while the sink is down",
        async () => health(),
        (h) => (h.at ?? "") > startedAt && (h.rescan?.pending.length ?? 0) > 0 && (h.rescan?.failures ?? 0) > 0,
        20_000,
        100,
      );
      console.log(
        `      ${deleted.length} keys deleted during the outage; rescan pending for ${pending.rescan?.pending.join(", ")} after ${pending.rescan?.failures} failures`,
      );
      sink(true);
    });
    expect(health().rescan?.pending).to.deep.equal([]);
  });
  it("a Redis node restarted without persistence mid-workload: the listener recreates its journal and mappings and DynamoDB follows what Redis holds", async () => {
    await scenario(operations(300, true), async () => {
      await sleep(4_000);
      const primary = group.nodes.find((n) => n.url === endpoint.primary())!;
      const restarted = await restart(primary);
      group.nodes[group.nodes.indexOf(primary)] = restarted;
    });
  });

  it("FLUSHDB near the end: no per-key events, yet DynamoDB converges to the remaining keyspace", async () => {
    await scenario(operations(300, true), async (redis) => {
      await sleep(8_000);
      await redis.flushdb();
    });
  });
});
