import { expect } from "chai";
import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import type { EmfDocument } from "../domain/runtime/metrics.js";
import type { ListenerFileConfig } from "../listener/config.js";
import { aclSetUser, listenerUser } from "../domain/redis/engine-users.js";
import { createTable, localDynamo } from "../local/aws/aws-clients.js";
import { urlAs } from "../local/dev/engine-users.js";
import { startDynamo, startRedis, type HttpService, type RedisNode } from "../local/launcher/services.js";
import { notifications } from "./harness/change-feed.js";
import { liveItem } from "./harness/dynamo.js";
import { emfDocuments, expectEveryMetric } from "./harness/emf.js";
import { eventually } from "./harness/eventually.js";
import { runTsx } from "./harness/cli.js";

type Fields = Record<string, unknown>;

describe("the listener process's metric output, and drift as a number", function () {
  this.timeout(120_000);
  let redis: RedisNode;
  let dynamoService: HttpService;
  let client: Redis;
  let listener: ChildProcess;
  const dir = mkdtempSync(join(tmpdir(), "ecp-listener-metrics-"));
  const documents: { at: number; document: EmfDocument; bytes: number }[] = [];
  const config = join(dir, "listener.json");
  const errors: string[] = [];
  const dynamo = () => localDynamo(dynamoService.endpoint);

  before(async () => {
    [redis, dynamoService] = await Promise.all([startRedis({ config: notifications }), startDynamo()]);
    client = new Redis(redis.url);
    // As on EC2: the listener runs as its own engine user, with only the commands it needs.
    const [command, ...args] = aclSetUser(listenerUser, "listener-password");
    await client.call(command, ...args);
    const table = dynamo();
    await createTable(table, "people", "id");
    table.destroy();
    writeFileSync(join(dir, "mappings.json"), JSON.stringify({ mappings: [{ name: "people", pattern: "person:{id}", table: "people" }] }));
    const file: ListenerFileConfig = {
      redisUrl: urlAs(redis.url, { username: listenerUser.name, password: "listener-password" }),
      region: "us-east-1",
      dynamodbEndpoint: dynamoService.endpoint,
      mappingFile: join(dir, "mappings.json"),
      listener: { consumer: "metrics", metricsIntervalMs: 250, probeIntervalMs: 1_000 },
      // Every round compares the whole (small) table; a difference is looked at again 200 ms later.
      drift: { intervalMs: 400, sampleSize: 100, settleMs: 200 },
    };
    writeFileSync(config, JSON.stringify(file));
    listener = spawn(process.execPath, ["--import", "tsx", "listener/main.ts", config], { stdio: ["ignore", "pipe", "pipe"] });
    createInterface({ input: listener.stdout! }).on("line", (line) => {
      for (const document of emfDocuments([line])) documents.push({ at: Date.now(), document, bytes: Buffer.byteLength(line) + 1 });
    });
    // Powertools writes errors to stderr.
    createInterface({ input: listener.stderr! }).on("line", (line) => {
      if (line.includes('"level":"ERROR"')) errors.push(line);
    });
  });
  after(async () => {
    listener.kill("SIGKILL");
    client.disconnect();
    await Promise.all([redis.stop(), dynamoService.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const since = (at: number) => documents.filter((d) => d.at >= at).map((d) => d.document);
  const valuesOf = (name: string, at = 0) =>
    since(at)
      .map((d) => d as unknown as Fields)
      .filter((d) => d[name] !== undefined && d.Mapping === "people")
      .map((d) => Number(d[name]));

  it("reports every change-feed metric with its unit and dimensions: lag, items, deliveries, the journal, dead letters, rescans, deafness, heartbeat, drift", async () => {
    for (let i = 0; i < 20; i++) await client.hset(`person:${i}`, "name", `n${i}`);
    // A field name that is not UTF-8 cannot name an attribute: dead-lettered with the reason.
    await client.hset("person:bad-field", Buffer.from([0xff]), "x");
    await eventually(
      "every metric of the change feed",
      async () => {
        try {
          expectEveryMetric(since(0), "change-feed");
          return true;
        } catch {
          return false;
        }
      },
      (ok) => ok,
      60_000,
      100,
    );
    expectEveryMetric(since(0), "change-feed");
    // 20 hashes; the key that cannot be carried is dead-lettered, never written.
    expect(valuesOf("Items").reduce((a, b) => a + b, 0)).to.equal(20);
    expect(valuesOf("DeadLetters").reduce((a, b) => a + b, 0)).to.equal(1);
    // Every entry confirmed (removed and acknowledged) by the listener's own user.
    await eventually(
      "the journal to empty",
      () => client.xlen("changefeed:journal"),
      (n) => n === 0,
      30_000,
      50,
    );
    // The engine refused it nothing (a refusal is logged before the refused command's reply).
    expect(await client.call("ACL", "LOG"), "the engine's ACL LOG").to.deep.equal([]);
    // Two reports later, whatever the last confirm logged is in (an error can only be missed, never invented).
    const emptied = Date.now();
    await eventually(
      "two reports since",
      async () => since(emptied).filter((d) => "Heartbeat" in d).length,
      (n) => n >= 2,
      30_000,
      50,
    );
    expect(errors, "errors the listener logged").to.deep.equal([]);
    const heartbeats = since(0).filter((d) => "Heartbeat" in d).length;
    const bytes = documents.reduce((n, d) => n + d.bytes, 0);
    const perReport = bytes / heartbeats;
    // What CloudWatch Logs ingests from one listener at the 10 s default: the figure docs/operating.md prices.
    console.log(
      `      ${documents.length} documents, ${Math.round(perReport)} bytes per report: ${((perReport * 8_640 * 30) / 1e6).toFixed(0)} MB a month at 10 s`,
    );
  });

  it("drift: an item deleted behind the feed's back is counted, and reconcile --repair brings it back to zero", async () => {
    await eventually(
      "a drift round over the live table",
      async () => valuesOf("DriftSampled").at(-1) ?? 0,
      (n) => n >= 20,
      30_000,
      50,
    );
    expect(valuesOf("Drift").at(-1)).to.equal(0);
    const table = dynamo();
    try {
      await table.send(new DeleteItemCommand({ TableName: "people", Key: { id: { S: "7" } } }));
      const deleted = Date.now();
      await eventually(
        "drift above zero",
        async () => Math.max(0, ...valuesOf("Drift", deleted)),
        (n) => n > 0,
        30_000,
        50,
      );
      expect(Math.max(...valuesOf("Drift", deleted))).to.equal(1);

      const repair = await runTsx(["listener/reconcile.ts", config, "people", "--repair"]);
      expect(repair.status, repair.stderr).to.equal(0);
      expect(JSON.parse(repair.stdout.slice(repair.stdout.indexOf("{")))).to.include({ repaired: 1 });
      expect(await liveItem(table, "people", { id: "7" })).to.include({ name: "n7" });
      const repaired = Date.now();
      // A round that began after the repair: every sampled item matches again.
      await eventually(
        "drift back to zero",
        async () => valuesOf("Drift", repaired + 1_000),
        (values) => values.length >= 2 && values.at(-1) === 0,
        30_000,
        50,
      );
    } finally {
      table.destroy();
    }
  });
});
