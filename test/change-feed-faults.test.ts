import { expect } from "chai";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Redis } from "ioredis";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeChanges, writeRequestOf } from "../functions/change-feed/writer.js";
import { parseMapping } from "../listener/mappings.js";
import { reconcile } from "../listener/reconcile.js";
import { createTable, localDynamo, localRegion } from "../local/aws-clients.js";
import { failover } from "../local/failover.js";
import { startLambdaEndpoint } from "../local/lambda-endpoint.js";
import { startPrimaryEndpoint, type PrimaryEndpoint } from "../local/primary-endpoint.js";
import { startDynamo, startReplicationGroup, type HttpService, type ReplicationGroup } from "../local/services.js";
import { differences, notifications } from "./harness/change-feed.js";
import { eventually, sleep } from "./harness/eventually.js";
import { compare, operations, runWorkload, type Comparison } from "./harness/workload.js";

const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const clean = (c: Comparison) => c.missing.length + c.stale.length + c.extra.length === 0;

describe(`change feed under a seeded fault workload (seed ${seed}; FAULT_SEED=${seed} repeats it)`, function () {
  this.timeout(120_000);
  let group: ReplicationGroup;
  let endpoint: PrimaryEndpoint;
  let dynamoService: HttpService;
  let lambdaService: HttpService;
  let dynamo: DynamoDBClient;
  let dir: string;
  let sinkDown = false;
  let listener: ChildProcess | undefined;

  before(async () => {
    group = await startReplicationGroup({ replicas: 2, hosts: ["127.0.4.1", "127.0.4.2", "127.0.4.3"], config: notifications });
    endpoint = await startPrimaryEndpoint(
      group.nodes.map((n) => n.url),
      { checkEveryMs: 100 },
    );
    dynamoService = await startDynamo();
    dynamo = localDynamo(dynamoService.endpoint);
    await createTable(dynamo, "people", "id");
    lambdaService = await startLambdaEndpoint({
      "change-writer": async (event) => {
        if (sinkDown) throw new Error("the sink is down (test)");
        return writeChanges(dynamo, writeRequestOf(event, new Set(["people"])));
      },
    });
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
        dynamodbEndpoint: dynamoService.endpoint,
        lambdaEndpoint: lambdaService.endpoint,
        mappingFile: join(dir, "mappings.json"),
        listener: { consumer: "faults", healthFile: join(dir, "health.json"), claimIdleMs: 2_000, probeIntervalMs: 1_000, probeTimeoutMs: 1_000 },
      }),
    );
  });
  after(async () => {
    listener?.kill("SIGKILL");
    dynamo.destroy();
    await lambdaService.stop();
    await endpoint.stop();
    await Promise.all([group.stop(), dynamoService.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(`      fault workload seed: ${seed} (FAULT_SEED=${seed} npx mocha ... repeats it)`);
  });

  const startListener = () =>
    spawn(process.execPath, ["--import", "tsx", "listener/main.ts", join(dir, "listener.json")], { stdio: ["ignore", "ignore", "inherit"] });

  it("the listener SIGKILLed and restarted, the sink down and up, a failover: Redis and DynamoDB agree item by item, and reconcile agrees", async () => {
    const redis = new Redis(endpoint.url, {
      maxRetriesPerRequest: 3,
      retryStrategy: () => 20,
      reconnectOnError: (e) => (e.message.startsWith("READONLY") ? 2 : false),
    });
    redis.on("error", () => {});
    listener = startListener();
    await sleep(2_500);
    const faults = (async () => {
      await sleep(2_000);
      listener!.kill("SIGKILL");
      await sleep(1_000);
      listener = startListener();
      await sleep(1_500);
      sinkDown = true;
      await sleep(2_000);
      sinkDown = false;
      await sleep(1_000);
      await failover(group.nodes.map((n) => n.url));
    })();
    const ran = await runWorkload(redis, seed, 10, operations(300));
    await faults;
    const started = Date.now();
    const result = await eventually("Redis and DynamoDB to agree", () => compare(redis, dynamo, "people"), clean, 45_000, 250);
    const seconds = (Date.now() - started) / 1000;
    console.log(`      ${ran} operations; ${result.redisKeys} hashes; converged ${seconds.toFixed(2)} s after the workload`);
    const report = await reconcile(redis, dynamo, parseMapping({ name: "people", pattern: "person:{id}", table: "people" }));
    expect(differences(report)).to.equal(0);
    expect({ redisKeys: report.redisKeys, items: report.items }).to.deep.equal({ redisKeys: result.redisKeys, items: result.items });
    expect(result.redisKeys).to.be.greaterThan(50);
    listener!.kill("SIGTERM");
    redis.disconnect();
  });
});
