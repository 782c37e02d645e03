import { expect } from "chai";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { Redis } from "ioredis";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeChanges } from "../domain/change-feed/writer.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { ChangeFeedListener, defaultListenerConfig } from "../domain/change-feed/capture/listener.js";
import { connectionsLike } from "../domain/change-feed/capture/connections.js";
import { parseMapping, parseMappingFile } from "../domain/change-feed/mappings.js";
import { reconcile } from "../domain/change-feed/reconcile.js";
import { RoutingSink } from "../domain/change-feed/sinks.js";
import { createTable, localCredentials, localDynamo, localRegion } from "../local/aws/aws-clients.js";
import { startLambdaEndpoint } from "../local/aws/lambda-endpoint.js";
import { startDynamo, startRedis, type HttpService, type RedisNode } from "../local/launcher/services.js";
import { differences, notifications } from "./harness/change-feed.js";
import { liveItem } from "./harness/dynamo.js";
import { runTsx } from "./harness/cli.js";
import { eventually } from "./harness/eventually.js";

describe("change feed: the listener on a real redis-server, dynalite and a local Lambda endpoint", function () {
  this.timeout(90_000);
  let redisNode: RedisNode;
  let dynamoService: HttpService;
  let lambdaService: HttpService;
  let dynamo: DynamoDBClient;
  let redis: Redis;
  let dir: string;
  let writerDown = false;
  let listener: ChangeFeedListener | undefined;
  let child: ChildProcess | undefined;
  const log = memoryLogger();
  const mappingFile = () => join(dir, "mappings.json");
  const config = () => join(dir, "listener.json");

  before(async () => {
    [redisNode, dynamoService] = await Promise.all([startRedis({ config: notifications }), startDynamo()]);
    dynamo = localDynamo(dynamoService.endpoint);
    await createTable(dynamo, "people", "id");
    await createTable(dynamo, "orders", "orderId");
    await createTable(dynamo, "envelopes", "id");
    lambdaService = await startLambdaEndpoint({
      "change-writer": async (event) => {
        if (writerDown) throw new Error("writer is down (test)");
        return writeChanges(dynamo, event as never);
      },
    });
    redis = new Redis(redisNode.url);
    dir = mkdtempSync(join(tmpdir(), "ecp-listener-"));
    // The original design's mapping: hashes only (another type under it is a tombstone and a note).
    const people = { name: "people", pattern: "person*", table: "people", lambda: "change-writer", types: ["hash"] };
    const envelopes = { name: "envelopes", pattern: "legacy:*", table: "envelopes", lambda: "change-writer", format: "envelope" };
    writeFileSync(mappingFile(), JSON.stringify({ mappings: [people, envelopes] }));
    writeFileSync(
      config(),
      JSON.stringify({
        redisUrl: redisNode.url,
        region: localRegion,
        dynamodbEndpoint: dynamoService.endpoint,
        lambdaEndpoint: lambdaService.endpoint,
        mappingFile: mappingFile(),
        listener: { consumer: "listener-1", healthFile: join(dir, "health.json"), claimIdleMs: 1_000 },
      }),
    );
  });

  after(async () => {
    await listener?.stop();
    child?.kill("SIGKILL");
    redis.disconnect();
    dynamo.destroy();
    await lambdaService.stop();
    await Promise.all([redisNode.stop(), dynamoService.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const startInProcess = async () => {
    const client = new Redis(redisNode.url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
    const lambda = new LambdaClient({ endpoint: lambdaService.endpoint, region: localRegion, credentials: localCredentials });
    const started = new ChangeFeedListener(
      client,
      connectionsLike(client),
      new RoutingSink(dynamo, lambda),
      { dynamo },
      { ...defaultListenerConfig, consumer: "in-process", healthFile: join(dir, "health.json") },
      log,
    );
    await started.start(parseMappingFile(readFileSync(mappingFile(), "utf8")));
    const stop = started.stop.bind(started);
    started.stop = async () => {
      await stop();
      client.disconnect();
      lambda.destroy();
    };
    return started;
  };
  const person = (id: string) => liveItem(dynamo, "people", { id });
  const personWhen = (id: string, accept: (item: Awaited<ReturnType<typeof person>>) => boolean) => eventually(id, () => person(id), accept);
  const people = parseMapping({ name: "people", pattern: "person*", table: "people", types: ["hash"] });
  const cleanReconcile = (timeoutMs: number) =>
    eventually(
      "clean reconcile",
      () => reconcile(redis, dynamo, people),
      (r) => differences(r) === 0,
      timeoutMs,
    );

  it("HSET person1 firstName John lastName Smith reaches DynamoDB; an update, a delete and an expiry follow", async () => {
    listener = await startInProcess();
    await redis.hset("person1", "firstName", "John", "lastName", "Smith");
    expect(await personWhen("person1", (i) => i !== undefined)).to.deep.equal({ id: "person1", firstName: "John", lastName: "Smith" });
    await redis.hset("person1", "lastName", "Doe");
    await personWhen("person1", (i) => i?.lastName === "Doe");
    await redis.del("person1");
    await personWhen("person1", (i) => i === undefined);
    await redis.hset("person2", "firstName", "Jane");
    await personWhen("person2", (i) => i !== undefined);
    await redis.pexpire("person2", 50);
    await personWhen("person2", (i) => i === undefined);
    const health = JSON.parse(readFileSync(join(dir, "health.json"), "utf8")) as { notificationsOk: boolean };
    expect(health.notificationsOk).to.equal(true);
    expect(listener.counters.seen).to.be.greaterThan(3);
  });

  it("keeps the original envelope { id, obj_name, body } as a mapping option", async () => {
    await redis.hset("legacy:1", "firstName", "John", "note", "with spaces, and commas");
    const item = await eventually(
      "envelope",
      () => liveItem(dynamo, "envelopes", { id: "legacy:1" }),
      (i) => i !== undefined,
    );
    expect(item).to.deep.equal({ id: "legacy:1", obj_name: "legacy:1", body: JSON.stringify({ firstName: "John", note: "with spaces, and commas" }) });
  });

  it("a mapping added at run time takes effect at once, and copies keys that already exist", async () => {
    await redis.hset("order:6", "total", "6");
    await redis.hset("changefeed:mappings", "orders", JSON.stringify({ name: "orders", pattern: "order:{orderId}", table: "orders" }));
    await eventually(
      "existing order:6",
      () => liveItem(dynamo, "orders", { orderId: "6" }),
      (i) => i !== undefined,
    );
    await redis.hset("order:7", "total", "10", "currency", "EUR");
    expect(
      await eventually(
        "order:7",
        () => liveItem(dynamo, "orders", { orderId: "7" }),
        (i) => i !== undefined,
      ),
    ).to.deep.equal({ orderId: "7", total: "10", currency: "EUR" });
  });

  it("a bad mapping written at run time is refused with a reason; the others keep working", async () => {
    await redis.hset("changefeed:mappings", "broken", JSON.stringify({ name: "broken", pattern: "x*", table: "no" }));
    await eventually(
      "refusal",
      async () => log.entries.find((e) => e.message === "mapping refused"),
      (e) => e !== undefined,
    );
    expect(log.entries.find((e) => e.message === "mapping refused")?.reason).to.match(/field "table"/);
    await redis.hdel("changefeed:mappings", "broken");
    await redis.hset("person9", "a", "1");
    await personWhen("person9", (i) => i !== undefined);
  });

  it("a key that cannot be mapped is dead-lettered with the reason, counted, and the listener carries on", async () => {
    const before = listener!.counters.deadLettered;
    try {
      await redis.set("person-string", "not a hash");
      await redis.hset("person-big", "blob", "x".repeat(410 * 1024));
      await eventually(
        "dead letters",
        async () => listener!.counters.deadLettered,
        (n) => n >= before + 2,
      );
      const letters = (await redis.xrange("changefeed:dead-letter", "-", "+")).map(([, f]) => `${f[1]}: ${f[5]}`);
      expect(letters).to.include("person-string: key person-string is a string, not one of mapping people's types (hash)");
      expect(letters.some((l) => l.startsWith("person-big: item of") && l.includes("400 KB"))).to.equal(true);
      await redis.hset("person10", "ok", "1");
      await personWhen("person10", (i) => i !== undefined);
      // Under a hash-only mapping, a hash overwritten by another type is the hash's deletion (its item a tombstone), plus a note.
      await redis.hset("person-was-hash", "a", "1");
      await personWhen("person-was-hash", (i) => i !== undefined);
      await redis.set("person-was-hash", "now a string");
      await personWhen("person-was-hash", (i) => i === undefined);
      // The note follows the tombstone's write (dead letters are kept once the sink has answered): wait for it.
      await eventually(
        "the note on person-was-hash",
        async () => (await redis.xrange("changefeed:dead-letter", "-", "+")).map(([, f]) => `${f[1]}: ${f[5]}`),
        (letters) => letters.includes("person-was-hash: key person-was-hash is a string, not one of mapping people's types (hash)"),
      );
    } finally {
      // Whatever happened, the keys go: the suites after this one reconcile the whole table.
      await redis.del("person-string", "person-big", "person-was-hash");
    }
  });

  it("with the sink down for a while, nothing is lost: every key's final state arrives and reconcile is clean", async () => {
    writerDown = true;
    for (let i = 0; i < 200; i++) await redis.hset(`person:down:${i}`, "n", String(i));
    for (let i = 0; i < 50; i++) await redis.del(`person:down:${i}`);
    await eventually(
      "the listener to retry the down sink",
      async () => listener!.counters.retried,
      (n) => n > 0,
      20_000,
    );
    writerDown = false;
    const report = await cleanReconcile(20_000);
    expect(report.redisKeys).to.be.greaterThan(150);
    await listener!.stop();
    listener = undefined;
  });

  it("SIGKILL in the middle of a burst, then restart: every key's final state is in DynamoDB and reconcile reports no difference", async () => {
    const start = () => spawn(process.execPath, ["--import", "tsx", "listener/main.ts", config()], { stdio: ["ignore", "ignore", "inherit"] });
    child = start();
    const health = (): { consumer?: string; notificationsOk?: boolean } => {
      try {
        return JSON.parse(readFileSync(join(dir, "health.json"), "utf8")) as { consumer: string; notificationsOk: boolean };
      } catch {
        return {};
      }
    };
    await eventually(
      "listener up",
      async () => health(),
      (h) => h.consumer === "listener-1" && h.notificationsOk === true,
      15_000,
    );
    const burst = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const pipeline = redis.pipeline().hset(`person:burst:${i % 300}`, "round", String(i), "name", `n${i}`);
        if (i % 7 === 0) pipeline.del(`person:burst:${(i * 13) % 300}`);
        await pipeline.exec();
      }
    };
    await burst(0, 1_500);
    child.kill("SIGKILL");
    await new Promise((r) => child!.once("exit", r));
    // Changes made while nobody listens: updates and deletes.
    await burst(1_500, 2_500);
    child = start();
    const report = await cleanReconcile(30_000);
    expect(report.redisKeys).to.be.greaterThan(200);
    // Every journal entry (the burst's and the restart's rescan) is acknowledged and removed once delivered.
    await eventually(
      "journal drained",
      () => redis.xlen("changefeed:journal"),
      (n) => n === 0,
      20_000,
    );
    expect(await redis.xpending("changefeed:journal", "changefeed")).to.deep.equal([0, null, null, null]);
    child.kill("SIGTERM");
    await new Promise((r) => child!.once("exit", r));
    child = undefined;
  });

  it("reconcile reports missing, stale and orphaned items, and repairs them", async () => {
    const mapping = people;
    // With no listener running, make all three kinds of difference.
    await redis.hset("person:missing", "a", "1");
    const someKey = (await reconcile(redis, dynamo, mapping)).redisKeys > 0 ? (await redis.keys("person:burst:*"))[0] : "";
    await redis.hset(someKey, "name", "changed-behind-the-listeners-back");
    await writeChanges(dynamo, {
      table: "people",
      changes: [{ key: "person:orphan", partitionKey: { name: "id", value: "person:orphan" }, version: 1, attributes: { a: "1" } }],
    });
    const report = await reconcile(redis, dynamo, mapping);
    expect(report.missing).to.deep.equal(["person:missing"]);
    expect(report.stale).to.deep.equal([someKey]);
    expect(report.orphaned).to.deep.equal(["person:orphan"]);
    const [seconds, micros] = await redis.time();
    const repaired = await reconcile(redis, dynamo, mapping, {
      repair: { sink: new RoutingSink(dynamo), version: async () => Number(seconds) * 1e6 + Number(micros) },
    });
    expect(repaired.repaired).to.equal(3);
    const after = await reconcile(redis, dynamo, mapping);
    expect(differences(after)).to.equal(0);
  });

  it("reconcile works from the mapping file when a flush wiped the mappings hash", async () => {
    await redis.del("changefeed:mappings");
    const reconcileRun = (name: string) => runTsx(["listener/reconcile.ts", config(), name]);
    const run = await reconcileRun("people");
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.include({ mapping: "people", missing: [], stale: [], orphaned: [] });
    const missingName = await reconcileRun("nope");
    expect(missingName.status).to.equal(2);
    expect(missingName.stderr).to.contain('no mapping named "nope" in changefeed:mappings or the mapping file');
  });
});
