import { expect } from "chai";
import { CreateTableCommand, GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { Cluster, Redis } from "ioredis";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeChanges, type Change } from "../functions/change-feed/writer.js";
import { memoryLogger } from "../functions/shared/log.js";
import { ChangeFeedListener, compareEntryIds, connectionsLike, defaultListenerConfig } from "../listener/listener.js";
import { MappingError, parseMapping, parseMappingFile } from "../listener/mappings.js";
import { reconcile } from "../listener/reconcile.js";
import { RoutingSink, type ChangeSink } from "../listener/sinks.js";
import { localCredentials, localDynamo, localRegion } from "../local/aws-clients.js";
import { startLambdaEndpoint } from "../local/lambda-endpoint.js";
import { startCluster, startDynamo, startRedis, type HttpService, type RedisNode } from "../local/services.js";

const notifications = { "notify-keyspace-events": "KEA" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createTable(dynamo: DynamoDBClient, name: string, key: string) {
  await dynamo.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: key, AttributeType: "S" }],
      KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}

/** The item's attributes as plain strings, or undefined when absent or a tombstone. */
async function liveItem(dynamo: DynamoDBClient, table: string, key: Record<string, string>) {
  const { Item } = await dynamo.send(
    new GetItemCommand({ TableName: table, Key: Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }])), ConsistentRead: true }),
  );
  if (!Item || Item._deleted?.BOOL) return undefined;
  return Object.fromEntries(
    Object.entries(Item)
      .filter(([k]) => k !== "_v")
      .map(([k, v]) => [k, v.S ?? v.N]),
  );
}

async function eventually<T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(25);
    value = await probe();
  }
  return value;
}

describe("change feed: Redis hashes to DynamoDB", function () {
  this.timeout(90_000);

  describe("mappings (bad input names the field)", () => {
    it("compiles placeholders and prefixes", () => {
      const m = parseMapping({ name: "orders", pattern: "order:{orderId}", table: "orders" });
      expect(m).to.include({ partitionKey: "orderId", scanPattern: "order:*", format: "attributes" });
      expect(parseMapping({ name: "people", pattern: "person*", table: "people" })).to.include({ partitionKey: "id", scanPattern: "person*" });
    });
    for (const [raw, message] of [
      [{ name: "x", pattern: "a:{id}", table: "t!" }, /mapping "x": field "table" must be a DynamoDB table name/],
      [{ name: "x", pattern: "a:{id}:{other}", table: "ttt" }, /field "pattern" has 2 placeholders/],
      [{ name: "x", pattern: "", table: "ttt" }, /field "pattern" must be a non-empty key pattern/],
      [{ name: "x", pattern: "a*", table: "ttt", format: "xml" }, /field "format" must be "attributes" or "envelope"/],
      [{ name: "x", pattern: "a*", table: "ttt", lamda: "f" }, /field "lamda" is not a mapping field/],
      [{ pattern: "a*", table: "ttt" }, /field "name" must be/],
      [{ name: "x", pattern: "changefeed:*", table: "ttt" }, /must not cover the listener's own keys/],
    ] as [unknown, RegExp][]) {
      it(`refuses ${JSON.stringify(raw).slice(0, 60)}`, () => {
        expect(() => parseMapping(raw)).to.throw(MappingError, message);
      });
    }
    it("refuses a file with duplicate names or bad JSON", () => {
      expect(() => parseMappingFile('{"mappings":[{"name":"a","pattern":"a*","table":"ttt"},{"name":"a","pattern":"b*","table":"ttt"}]}')).to.throw(
        /field "name" is used twice/,
      );
      expect(() => parseMappingFile("{")).to.throw(/not valid JSON/);
      expect(() => parseMappingFile("[]")).to.throw(/"mappings" list/);
    });
    it("the default local mapping file is valid", () => {
      expect(parseMappingFile(readFileSync("local/mappings.json", "utf8")).map((m) => m.name)).to.include("people");
    });
  });

  describe("writer: conditional, versioned writes (dynalite)", () => {
    let dynamoService: HttpService;
    let dynamo: DynamoDBClient;
    before(async () => {
      dynamoService = await startDynamo();
      dynamo = localDynamo(dynamoService.endpoint);
      await createTable(dynamo, "order-test", "id");
    });
    after(async () => {
      dynamo.destroy();
      await dynamoService.stop();
    });
    const change = (version: number, attributes?: Record<string, string>) => ({ key: "k1", partitionKey: { name: "id", value: "k1" }, version, attributes });

    it("out-of-order batches never leave an older value", async () => {
      await writeChanges(dynamo, { table: "order-test", changes: [change(20, { v: "new" })] });
      const late = await writeChanges(dynamo, { table: "order-test", changes: [change(10, { v: "old" })] });
      expect(late).to.include({ written: 0, skipped: 1 });
      expect(await liveItem(dynamo, "order-test", { id: "k1" })).to.deep.equal({ id: "k1", v: "new" });
    });

    it("a delete is a versioned tombstone: a late older snapshot cannot resurrect the item", async () => {
      await writeChanges(dynamo, { table: "order-test", changes: [change(30)] });
      await writeChanges(dynamo, { table: "order-test", changes: [change(25, { v: "zombie" })] });
      expect(await liveItem(dynamo, "order-test", { id: "k1" })).to.equal(undefined);
      await writeChanges(dynamo, { table: "order-test", changes: [change(40, { v: "reborn" })] });
      expect(await liveItem(dynamo, "order-test", { id: "k1" })).to.deep.equal({ id: "k1", v: "reborn" });
    });

    it("keeps only the newest snapshot of a key within one batch, in any order", async () => {
      const result = await writeChanges(dynamo, { table: "order-test", changes: [change(60, { v: "c" }), change(50, { v: "b" }), change(55, { v: "x" })] });
      expect(result).to.include({ written: 1, skipped: 2 });
      expect(await liveItem(dynamo, "order-test", { id: "k1" })).to.deep.equal({ id: "k1", v: "c" });
    });

    it("rejects items that can never be written, with the reason, and writes the rest", async () => {
      const result = await writeChanges(dynamo, {
        table: "order-test",
        changes: [
          { key: "big", partitionKey: { name: "id", value: "big" }, version: 1, attributes: { blob: "x".repeat(410 * 1024) } },
          { key: "empty", partitionKey: { name: "id", value: "" }, version: 1, attributes: { a: "1" } },
          { key: "clash", partitionKey: { name: "id", value: "clash" }, version: 1, attributes: { _v: "1" } },
          { key: "fine", partitionKey: { name: "id", value: "fine" }, version: 1, attributes: { a: "1" } },
        ],
      });
      expect(result.written).to.equal(1);
      expect(result.rejected.map((r) => `${r.key}: ${r.reason}`)).to.deep.equal([
        "big: item of 419872 bytes exceeds DynamoDB's 400 KB item limit",
        "empty: partition key id is empty",
        'clash: hash field "_v" collides with the item\'s reserved attribute',
      ]);
    });
  });

  describe("listener on a real redis-server, dynalite and a local Lambda endpoint", () => {
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
      writeFileSync(
        mappingFile(),
        JSON.stringify({
          mappings: [
            { name: "people", pattern: "person*", table: "people", lambda: "change-writer" },
            { name: "envelopes", pattern: "legacy:*", table: "envelopes", lambda: "change-writer", format: "envelope" },
          ],
        }),
      );
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
        dynamo,
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

    it("HSET person1 firstName John lastName Smith reaches DynamoDB; an update, a delete and an expiry follow", async () => {
      listener = await startInProcess();
      await redis.hset("person1", "firstName", "John", "lastName", "Smith");
      expect(
        await eventually(
          "person1",
          () => person("person1"),
          (i) => i !== undefined,
        ),
      ).to.deep.equal({ id: "person1", firstName: "John", lastName: "Smith" });
      await redis.hset("person1", "lastName", "Doe");
      await eventually(
        "update",
        () => person("person1"),
        (i) => i?.lastName === "Doe",
      );
      await redis.del("person1");
      await eventually(
        "delete",
        () => person("person1"),
        (i) => i === undefined,
      );
      await redis.hset("person2", "firstName", "Jane");
      await eventually(
        "person2",
        () => person("person2"),
        (i) => i !== undefined,
      );
      await redis.pexpire("person2", 50);
      await eventually(
        "expiry",
        () => person("person2"),
        (i) => i === undefined,
      );
      const health = JSON.parse(readFileSync(join(dir, "health.json"), "utf8"));
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
      await eventually(
        "person9",
        () => person("person9"),
        (i) => i !== undefined,
      );
    });

    it("a key that cannot be mapped is dead-lettered with the reason, counted, and the listener carries on", async () => {
      const before = listener!.counters.deadLettered;
      await redis.set("person-string", "not a hash");
      await redis.hset("person-big", "blob", "x".repeat(410 * 1024));
      await eventually(
        "dead letters",
        async () => listener!.counters.deadLettered,
        (n) => n >= before + 2,
      );
      const letters = (await redis.xrange("changefeed:dead-letter", "-", "+")).map(([, f]) => `${f[1]}: ${f[5]}`);
      expect(letters).to.include("person-string: key person-string is a string, not a hash");
      expect(letters.some((l) => l.startsWith("person-big: item of") && l.includes("400 KB"))).to.equal(true);
      await redis.hset("person10", "ok", "1");
      await eventually(
        "person10",
        () => person("person10"),
        (i) => i !== undefined,
      );
      await redis.del("person-string", "person-big");
    });

    it("with the sink down for a while, nothing is lost: every key's final state arrives and reconcile is clean", async () => {
      writerDown = true;
      for (let i = 0; i < 200; i++) await redis.hset(`person:down:${i}`, "n", String(i));
      for (let i = 0; i < 50; i++) await redis.del(`person:down:${i}`);
      await sleep(800);
      expect(listener!.counters.retried).to.be.greaterThan(0);
      writerDown = false;
      const mapping = parseMapping({ name: "people", pattern: "person*", table: "people" });
      const report = await eventually(
        "clean reconcile",
        () => reconcile(redis, dynamo, mapping),
        (r) => r.missing.length + r.stale.length + r.orphaned.length === 0,
        20_000,
      );
      expect(report.redisKeys).to.be.greaterThan(150);
      await listener!.stop();
      listener = undefined;
    });

    it("SIGKILL in the middle of a burst, then restart: every key's final state is in DynamoDB and reconcile reports no difference", async () => {
      const start = () => spawn(process.execPath, ["--import", "tsx", "listener/main.ts", config()], { stdio: ["ignore", "ignore", "inherit"] });
      child = start();
      const health = () => {
        try {
          return JSON.parse(readFileSync(join(dir, "health.json"), "utf8"));
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
      const mapping = parseMapping({ name: "people", pattern: "person*", table: "people" });
      const report = await eventually(
        "clean reconcile",
        () => reconcile(redis, dynamo, mapping),
        (r) => r.missing.length + r.stale.length + r.orphaned.length === 0,
        30_000,
      );
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
      const mapping = parseMapping({ name: "people", pattern: "person*", table: "people" });
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
      expect(after.missing.length + after.stale.length + after.orphaned.length).to.equal(0);
    });
  });

  it("orders journal entry ids by time, then sequence", () => {
    expect(compareEntryIds("1700000000000-5", "1700000000000-12")).to.be.below(0);
    expect(compareEntryIds("1700000000001-0", "1700000000000-99")).to.be.above(0);
    expect(compareEntryIds("5-1", "5-1")).to.equal(0);
  });

  it("skips a journaled hint that a confirmed later snapshot already reflects, and delivers the rest", async () => {
    const node = await startRedis({ config: notifications });
    const client = new Redis(node.url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
    const delivered: Change[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered = false;
    // The first delivery (its snapshot taken) waits until two more hints for the same key are in the journal.
    const sink: ChangeSink = {
      async write(_mapping, changes) {
        entered = true;
        if (delivered.length === 0) await held;
        delivered.push(...changes);
        return { written: changes.length, skipped: 0, retried: 0, rejected: [] };
      },
    };
    const listener = new ChangeFeedListener(
      client,
      connectionsLike(client),
      sink,
      undefined,
      { ...defaultListenerConfig, consumer: "coalesce", batchSize: 1, deliveriesInFlight: 1, rescanDeletes: false },
      memoryLogger(),
    );
    try {
      await listener.start([parseMapping({ name: "people", pattern: "person:{id}", table: "people" })]);
      await client.hset("person:a", "n", "1");
      await eventually(
        "the first delivery to reach the sink",
        async () => entered,
        (e) => e,
      );
      await client.hset("person:a", "n", "2");
      await client.hset("person:a", "n", "3");
      await eventually(
        "three hints in the journal",
        () => client.xlen("changefeed:journal"),
        (n) => n === 3,
      );
      release();
      await eventually(
        "the journal to drain",
        () => client.xlen("changefeed:journal"),
        (n) => n === 0,
      );
      // Hint 2's snapshot (taken after hint 3 was journaled) already holds n=3: hint 3 needs no write.
      expect(delivered.map((c) => c.attributes?.n)).to.deep.equal(["1", "3"]);
      expect(listener.counters.coalesced).to.equal(1);
    } finally {
      await listener.stop();
      client.disconnect();
      await node.stop();
    }
  });

  it("writes the next delivery while the sink still holds one, and re-reads a failed one without losing it", async () => {
    const node = await startRedis({ config: notifications });
    const client = new Redis(node.url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
    const delivered: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let failedOnce = false;
    const sink: ChangeSink = {
      async write(_mapping, changes) {
        const keys = changes.map((c) => c.key);
        if (keys.includes("person:a")) await held;
        if (keys.includes("person:b") && !failedOnce) {
          failedOnce = true;
          throw new Error("sink down for a moment");
        }
        delivered.push(...keys);
        return { written: changes.length, skipped: 0, retried: 0, rejected: [] };
      },
    };
    const listener = new ChangeFeedListener(
      client,
      connectionsLike(client),
      sink,
      undefined,
      { ...defaultListenerConfig, consumer: "overlap", batchSize: 1, rescanDeletes: false },
      memoryLogger(),
    );
    try {
      await listener.start([parseMapping({ name: "people", pattern: "person:{id}", table: "people" })]);
      await client.hset("person:a", "n", "1");
      await client.hset("person:c", "n", "1");
      // person:a is held in the sink; person:c is a second delivery that completes meanwhile.
      await eventually(
        "person:c delivered while person:a is held",
        async () => delivered,
        (d) => d.includes("person:c"),
      );
      expect(delivered).to.not.include("person:a");
      await client.hset("person:b", "n", "1");
      await eventually(
        "person:b's first attempt to fail",
        async () => failedOnce,
        (f) => f,
      );
      release();
      await eventually(
        "the journal to drain",
        () => client.xlen("changefeed:journal"),
        (n) => n === 0,
        10_000,
      );
      expect([...new Set(delivered)].sort()).to.deep.equal(["person:a", "person:b", "person:c"]);
      expect(await client.xpending("changefeed:journal", "changefeed")).to.deep.equal([0, null, null, null]);
    } finally {
      await listener.stop();
      client.disconnect();
      await node.stop();
    }
  });

  it("Redis Cluster: changes on every shard arrive", async () => {
    const [cluster, dynamoService] = await Promise.all([startCluster({ primaries: 3, config: notifications }), startDynamo()]);
    const dynamo = localDynamo(dynamoService.endpoint);
    const client = new Cluster(cluster.startupNodes, { enableAutoPipelining: true, redisOptions: { maxRetriesPerRequest: null } });
    let listener: ChangeFeedListener | undefined;
    try {
      await createTable(dynamo, "people", "id");
      listener = new ChangeFeedListener(
        client,
        connectionsLike(client),
        new RoutingSink(dynamo),
        dynamo,
        { ...defaultListenerConfig, consumer: "cluster" },
        memoryLogger(),
      );
      await listener.start([parseMapping({ name: "people", pattern: "person:{id}", table: "people" })]);
      const ids = Array.from({ length: 60 }, (_, i) => String(i));
      for (const id of ids) await client.hset(`person:${id}`, "n", id);
      const perNode = await Promise.all(client.nodes("master").map((n) => n.keys("person:*")));
      expect(
        perNode.every((keys) => keys.length > 0),
        `keys per shard: ${perNode.map((k) => k.length)}`,
      ).to.equal(true);
      for (const id of ids)
        await eventually(
          `person:${id}`,
          () => liveItem(dynamo, "people", { id }),
          (i) => i?.n === id,
          10_000,
        );
    } finally {
      await listener?.stop();
      client.disconnect();
      dynamo.destroy();
      await Promise.all([cluster.stop(), dynamoService.stop()]);
    }
  });
});
