import { expect } from "chai";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Cluster, Redis } from "ioredis";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ListenerFileConfig } from "../listener/config.js";
import { createTable, localDynamo } from "../local/aws/aws-clients.js";
import { startCluster, startDynamo, startRedis, type HttpService, type RedisCluster, type RedisNode } from "../local/launcher/services.js";
import { notifications } from "./harness/change-feed.js";
import { killHard } from "./harness/cli.js";
import { monitorCommands } from "./harness/monitor.js";
import { eventually, sleep } from "./harness/eventually.js";
import { compare, operations, runWorkload, type Comparison } from "./harness/workload.js";

const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const clean = (c: Comparison) => c.missing.length + c.stale.length + c.extra.length === 0;
const leaseMs = 2_000;

interface Health {
  shards: string[];
  notificationsOk: boolean | null;
}

/** Every journal append on `nodes`, in the order each node executed them: the journal, who appended, the keys. */
async function watchJournals(nodeUrls: string[]) {
  const appends: { journal: string; by: string; keys: string[] }[] = [];
  const monitors = await Promise.all(
    nodeUrls.map((url) =>
      monitorCommands(url, (args) => {
        if (args[0]?.toLowerCase() !== "xadd" || !args[1]?.startsWith("changefeed:journal")) return;
        const fields = args.slice(3);
        // Keys a notification named (`k`); a rescan's (`r`, after a reattach or a takeover) are not hints heard twice.
        appends.push({ journal: args[1], by: fields[1], keys: fields.filter((_, i) => i % 2 === 1 && fields[i - 1] === "k") });
      }),
    ),
  );
  return { appends, stop: () => monitors.forEach((m) => m.stop()) };
}

/** Per journal, who appended to it in turn (consecutive repeats folded): ["a"] or ["a", "b"], never ["a", "b", "a"]. */
function writersInTurn(appends: { journal: string; by: string }[]): Map<string, string[]> {
  const turns = new Map<string, string[]>();
  for (const { journal, by } of appends) {
    const list = turns.get(journal) ?? [];
    if (list.at(-1) !== by) list.push(by);
    turns.set(journal, list);
  }
  return turns;
}

describe(`a fleet of listeners sharing the shards under leases (seed ${seed}; FAULT_SEED=${seed} repeats it)`, function () {
  this.timeout(240_000);
  let dynamoService: HttpService;
  let dynamo: DynamoDBClient;
  const dir = mkdtempSync(join(tmpdir(), "ecp-fleet-"));
  const children: ChildProcess[] = [];

  before(async () => {
    dynamoService = await startDynamo();
    dynamo = localDynamo(dynamoService.endpoint);
    writeFileSync(join(dir, "mappings.json"), JSON.stringify({ mappings: [{ name: "people", pattern: "person:{id}", table: "people" }] }));
  });
  after(async () => {
    children.forEach((c) => c.kill("SIGKILL"));
    dynamo.destroy();
    await dynamoService.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A listener process named `name`; its health file read as it goes. */
  function startListener(name: string, redisUrl: string, cluster: boolean) {
    const config: ListenerFileConfig = {
      redisUrl,
      cluster,
      region: "us-east-1",
      dynamodbEndpoint: dynamoService.endpoint,
      mappingFile: join(dir, "mappings.json"),
      listener: { consumer: name, leaseMs, claimIdleMs: 2_000, probeIntervalMs: 500, probeTimeoutMs: 500, healthFile: join(dir, `${name}.json`) },
    };
    writeFileSync(join(dir, `${name}.config.json`), JSON.stringify(config));
    const child = spawn(process.execPath, ["--import", "tsx", "listener/main.ts", join(dir, `${name}.config.json`)], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(child);
    const health = () => (existsSync(join(dir, `${name}.json`)) ? (JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as Health) : undefined);
    return { health, kill: () => killHard(child) };
  }
  const holding = (listener: ReturnType<typeof startListener>, shards: number) =>
    eventually(
      `a listener to hold ${shards} shard(s) and hear them`,
      async () => listener.health(),
      (h) => h?.shards.length === shards && h.notificationsOk === true,
      60_000,
      50,
    );

  describe("standalone: two listeners, one shard", () => {
    let node: RedisNode;
    let redis: Redis;
    before(async () => {
      node = await startRedis({ config: notifications });
      redis = new Redis(node.url);
      await createTable(dynamo, "people", "id");
    });
    after(async () => {
      redis.disconnect();
      await node.stop();
    });

    it("one holds the lease and journals every hint once; killed, the other takes over and nothing is lost", async () => {
      const journals = await watchJournals([node.url]);
      try {
        const a = startListener("solo-a", node.url, false);
        await holding(a, 1);
        const b = startListener("solo-b", node.url, false);
        await eventually(
          "the second listener to stand by",
          async () => b.health(),
          (h) => h?.shards.length === 0,
          60_000,
          50,
        );
        for (let i = 0; i < 300; i++) await redis.hset(`person:${i}`, "n", String(i));
        await eventually(
          "the first 300 items",
          () => compare(redis, dynamo, "people"),
          (c) => clean(c) && c.items === 300,
          60_000,
          100,
        );
        // Each hint journaled once, by the holder alone.
        const hinted = journals.appends.flatMap((a) => a.keys);
        expect(new Set(journals.appends.map((a) => a.by))).to.deep.equal(new Set(["solo-a"]));
        expect(hinted.length, "hints journaled").to.equal(new Set(hinted).size);

        await a.kill();
        const killed = Date.now();
        // Written while no one holds the lease, and after: the taker's rescan and its subscriber find them.
        for (let i = 300; i < 600; i++) await redis.hset(`person:${i}`, "n", String(i));
        await holding(b, 1);
        const takeover = Date.now() - killed;
        await eventually(
          "all 600 items",
          () => compare(redis, dynamo, "people"),
          (c) => clean(c) && c.items === 600,
          60_000,
          100,
        );
        expect([...writersInTurn(journals.appends).values()]).to.deep.equal([["solo-a", "solo-b"]]);
        console.log(`      takeover ${takeover} ms after the SIGKILL (lease ${leaseMs} ms)`);
        await b.kill();
      } finally {
        journals.stop();
      }
    });
  });

  describe("a 3-shard cluster: two listeners, the seeded fault workload, one SIGKILLed mid-run", () => {
    let cluster: RedisCluster;
    let client: Cluster;
    before(async () => {
      cluster = await startCluster({ primaries: 3, config: notifications });
      client = new Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 3 } });
      await client.ping();
      await dynamo.send(new (await import("@aws-sdk/client-dynamodb")).DeleteTableCommand({ TableName: "people" })).catch(() => undefined);
      await createTable(dynamo, "people", "id");
    });
    after(async () => {
      client.disconnect();
      await cluster.stop();
    });

    it("each shard journaled on its own shard by one listener at a time; the survivor takes the dead one's shards; Redis and DynamoDB agree item by item", async () => {
      const journals = await watchJournals(cluster.nodes.map((n) => n.url));
      try {
        // Alone, one listener takes every shard; a second one joining is given its share.
        const a = startListener("fleet-a", cluster.nodes[0].url, true);
        await holding(a, 3);
        const b = startListener("fleet-b", cluster.nodes[0].url, true);
        await holding(b, 1);
        await holding(a, 2);
        let takeover = 0;
        const ran = await Promise.all([
          runWorkload(client as unknown as Redis, seed, 10, operations(200)),
          (async () => {
            await sleep(4_000);
            await a.kill();
            const killed = Date.now();
            await holding(b, 3);
            takeover = Date.now() - killed;
          })(),
        ]);
        const result = await eventually("Redis and DynamoDB to agree", () => compare(client, dynamo, "people"), clean, 90_000, 250);
        expect(result.redisKeys).to.be.above(0);
        const turns = writersInTurn(journals.appends);
        // Three journals, one per shard, each on its own shard.
        expect(turns.size).to.equal(3);
        for (const [journal, writers] of turns) {
          expect(journal).to.match(/^changefeed:journal:\{\d+\}$/);
          expect([["fleet-a"], ["fleet-b"], ["fleet-a", "fleet-b"]], `${journal}: ${writers.join(" -> ")}`).to.deep.include(writers);
        }
        const lengths = [...turns.keys()].map((journal) => journals.appends.filter((x) => x.journal === journal).reduce((n, x) => n + x.keys.length, 0));
        console.log(
          `      ${ran[0]} operations; ${result.redisKeys} hashes; takeover of 2 shards ${takeover} ms after the SIGKILL; hints journaled per shard: ${lengths.join(", ")}`,
        );
      } finally {
        journals.stop();
      }
    });
  });
});
