import { expect } from "chai";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { writeChanges } from "../domain/change-feed/writer.js";
import { globMatches, maxMappings, MappingError, parseMapping, partitionKeyOf } from "../domain/change-feed/mappings.js";
import { reconcile } from "../domain/change-feed/reconcile.js";
import { RoutingSink } from "../domain/change-feed/sinks.js";
import { maxRequestBytes } from "../local/aws/lambda-endpoint.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { differences, withListener } from "./harness/change-feed.js";
import { liveItem } from "./harness/dynamo.js";
import { eventually } from "./harness/eventually.js";
import { startSinks, type Sinks } from "./harness/sinks.js";

describe("change feed: bounded and scoped against hostile mappings and versions", function () {
  this.timeout(60_000);
  let sinks: Sinks;
  before(async () => {
    sinks = await startSinks(["people", "accounts"], (dynamo) => ({ "change-writer": (event) => writeChanges(dynamo, event as never) }));
  });
  after(() => sinks.stop());

  describe("mapping patterns match in linear time, and mappings are bounded", () => {
    const evil = `${"a*".repeat(60)}b`;

    it("a pattern of many wildcards against a long key answers at once (a regular expression would backtrack for ever)", () => {
      const started = process.hrtime.bigint();
      expect(globMatches(evil, "a".repeat(20_000))).to.equal(false);
      expect(globMatches(evil, `${"a".repeat(20_000)}b`)).to.equal(true);
      expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.below(1_000);
      expect(globMatches("person*", "person:1")).to.equal(true);
      expect(globMatches("p?rson:*:x", "person:1:x")).to.equal(true);
      expect(globMatches("p?rson:*:x", "person:1:y")).to.equal(false);
    });

    it("refuses patterns that are too long, wildcards beside a placeholder, and a mapping past the bound", () => {
      expect(() => parseMapping({ name: "x", pattern: "a".repeat(300), table: "ttt" })).to.throw(MappingError, /is 300 characters long; at most 256/);
      expect(() => parseMapping({ name: "x", pattern: "*:{id}", table: "ttt" })).to.throw(MappingError, /may not use \* or \? beside a placeholder/);
      expect(partitionKeyOf(parseMapping({ name: "x", pattern: "order:{id}:v", table: "ttt" }), "order:42:v")).to.equal("42");
    });

    it(`keeps at most ${maxMappings} mappings, however many are written to the hash`, async () => {
      await withListener({ sink: new RoutingSink(sinks.dynamo) }, async ({ client, listener }) => {
        const fields = Array.from({ length: maxMappings + 5 }, (_, i) => [
          `m${i}`,
          JSON.stringify({ name: `m${i}`, pattern: `m${i}:*`, table: "people" }),
        ]).flat();
        await client.hset("changefeed:mappings", ...fields);
        const health = await eventually(
          "the mappings to load",
          async () => listener.health(),
          (h) => h.mappings.length >= maxMappings,
          5_000,
          50,
        );
        expect(health.mappings).to.have.length(maxMappings);
      });
    });

    it("through the mappings hash: the listener keeps its event loop free and other mappings keep flowing", async () => {
      await withListener({ sink: new RoutingSink(sinks.dynamo), dynamo: sinks.dynamo }, async ({ client, listener }) => {
        const delay = monitorEventLoopDelay({ resolution: 10 });
        delay.enable();
        const heapBefore = process.memoryUsage().heapUsed;
        await client.hset("changefeed:mappings", "evil", JSON.stringify({ name: "evil", pattern: evil, table: "people" }));
        for (let i = 0; i < 20; i++) await client.hset(`${"a".repeat(10_000)}${i}`, "x", "1");
        await client.hset("person:still-fine", "n", "1");
        await eventually(
          "person:still-fine",
          () => liveItem(sinks.dynamo, "people", { id: "still-fine" }),
          (i) => i !== undefined,
          10_000,
        );
        delay.disable();
        expect(delay.max / 1e6, "event-loop delay, ms").to.be.below(500);
        expect((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20, "heap growth, MiB").to.be.below(100);
        expect(listener.health().status).to.equal("running");
      });
    });
  });

  describe("the mappings hash: reloads coalesce, bounded in bytes, logged as a diff; a pattern needs literal text", () => {
    it("three hundred writes in a burst make a few reloads, each logging what changed; a hash too large is not read; {id} is refused", async () => {
      const log = memoryLogger();
      await withListener({ sink: new RoutingSink(sinks.dynamo), dynamo: sinks.dynamo, log }, async ({ client, listener }) => {
        const reloads = async () => Number(/cmdstat_memory\|usage:calls=(\d+)/.exec(String(await client.info("commandstats")))?.[1] ?? 0);
        const before = await reloads();
        const burst = client.pipeline();
        for (let i = 0; i < 300; i++)
          burst.hset("changefeed:mappings", "orders", JSON.stringify({ name: "orders", pattern: `order:{id}`, table: i % 2 ? "people" : "accounts" }));
        await burst.exec();
        await eventually(
          "the last write to be loaded",
          async () => listener.health().mappings,
          (m) => m.includes("orders"),
          10_000,
        );
        const made = (await reloads()) - before;
        console.log(`      300 writes to the mappings hash, ${made} reloads`);
        expect(made).to.be.within(1, 10);
        expect(log.entries.filter((e) => e.message === "mappings changed").length).to.be.at.most(made);
        expect(log.entries.find((e) => e.message === "mappings changed")).to.deep.include({ removed: [] });
        // Past the byte bound the hash is not read at all, and the mappings in use stay.
        await client.hset("changefeed:mappings", "padding", "x".repeat(300 * 1024));
        await eventually(
          "the refusal",
          async () => log.entries.find((e) => String(e.reason).includes("over the limit of 262144")),
          (e) => e !== undefined,
          10_000,
        );
        expect(listener.health().mappings).to.include.members(["people", "orders"]);
        await client.hdel("changefeed:mappings", "padding");
        // A placeholder alone would copy every hash in Redis: refused with the reason, and nothing of it runs.
        await client.hset("changefeed:mappings", "everything", JSON.stringify({ name: "everything", pattern: "{id}", table: "people" }));
        await eventually(
          "the refusal",
          async () => log.entries.find((e) => e.mapping === "everything"),
          (e) => e !== undefined,
          10_000,
        );
        expect(String(log.entries.find((e) => e.mapping === "everything")?.reason)).to.match(
          /"\{id\}" has no literal text of its own, so it would copy every hash in Redis/,
        );
        expect(listener.health().mappings).to.not.include("everything");
      });
      expect(parseMapping({ name: "all", pattern: "{id}", table: "people" }, "mapping", { allowCatchAll: true }).placeholder).to.equal("id");
      expect(() => parseMapping({ name: "all", pattern: "*", table: "people" })).to.throw(MappingError, /no literal text/);
    });
  });

  describe("reserved attributes cannot be keys", () => {
    for (const [raw, why] of [
      [{ name: "x", pattern: "a:{_v}", table: "ttt" }, /field "pattern" names the partition key "_v", an attribute the change feed writes itself/],
      [{ name: "x", pattern: "a*", table: "ttt", partitionKey: "_deleted" }, /field "partitionKey" names the partition key "_deleted"/],
      [{ name: "x", pattern: "a*", table: "ttt", partitionKey: "_expiresAt" }, /"_expiresAt"/],
      [
        { name: "x", pattern: "a*", table: "ttt", partitionKey: "body", format: "envelope" },
        /"body", an attribute the change feed writes itself \(_v, _deleted, _expiresAt, obj_name, body\)/,
      ],
    ] as [unknown, RegExp][]) {
      it(`refuses ${JSON.stringify(raw)}`, () => expect(() => parseMapping(raw)).to.throw(MappingError, why));
    }
  });

  describe("the writer trusts no version from outside its own listener", () => {
    const change = (id: string, version: number, name: string) => ({
      key: `person:${id}`,
      partitionKey: { name: "id", value: id },
      version,
      attributes: { name },
    });

    it("forged keyspace events (from whoever may still publish there) never overwrite a real item, and leave only expiring tombstones for keys that never existed", async () => {
      await withListener({ sink: new RoutingSink(sinks.dynamo), dynamo: sinks.dynamo }, async ({ client }) => {
        await client.hset("person:real", "name", "Ada");
        await eventually(
          "the real item",
          () => liveItem(sinks.dynamo, "people", { id: "real" }),
          (i) => i?.name === "Ada",
          10_000,
        );
        // The default user may still publish there; no gateway caller may (test/command-gateway-isolation.test.ts).
        for (let i = 0; i < 50; i++) await client.publish("__keyevent@0__:hset", `person:ghost-${i}`);
        await client.publish("__keyevent@0__:del", "person:real");
        const ghost = await eventually(
          "the forged hints to be delivered",
          () => sinks.dynamo.send(new GetItemCommand({ TableName: "people", Key: { id: { S: "ghost-49" } }, ConsistentRead: true })),
          (r) => r.Item !== undefined,
          10_000,
        );
        // A hint is only a hint: the listener reads the key, so a forged delete of a real key writes what Redis holds.
        expect(await liveItem(sinks.dynamo, "people", { id: "real" })).to.deep.include({ name: "Ada" });
        // A key that never existed gets a tombstone that DynamoDB's TTL removes within a day: nothing lasting, nothing a reader sees.
        expect(ghost.Item?._deleted?.BOOL).to.equal(true);
        expect(Number(ghost.Item?._expiresAt?.N)).to.be.at.most(Math.ceil(Date.now() / 1000) + 86_400);
        expect(await liveItem(sinks.dynamo, "people", { id: "ghost-49" })).to.equal(undefined);
      });
    });

    it("a far-future version is refused with the reason; a current one is written", async () => {
      const now = Date.now() * 1_000;
      const result = await writeChanges(sinks.dynamo, { table: "people", changes: [change("forged", now + 3_600e6, "x"), change("honest", now, "y")] });
      expect(result.written).to.equal(1);
      expect(result.rejected).to.have.length(1);
      expect(result.rejected[0].reason).to.match(/^version \d+ is 3600 s ahead of the writer's clock/);
    });

    it("reconcile --repair overwrites an item whose content differs, whatever _v it carries", async () => {
      const people = parseMapping({ name: "people", pattern: "person:{id}", table: "people" });
      await sinks.dynamo.send(
        new PutItemCommand({ TableName: "people", Item: { id: { S: "pinned" }, name: { S: "forged" }, _v: { N: "9000000000000000000" } } }),
      );
      await withListener({ sink: new RoutingSink(sinks.dynamo), dynamo: sinks.dynamo, config: { rescanDeletes: false } }, async ({ client }) => {
        await client.hset("person:pinned", "name", "real");
        expect((await reconcile(client, sinks.dynamo, people)).stale).to.include("person:pinned");
        const [s, us] = await client.time();
        await reconcile(client, sinks.dynamo, people, { repair: { sink: new RoutingSink(sinks.dynamo), version: async () => Number(s) * 1e6 + Number(us) } });
        expect(await liveItem(sinks.dynamo, "people", { id: "pinned" })).to.deep.equal({ id: "pinned", name: "real" });
        expect(differences(await reconcile(client, sinks.dynamo, people))).to.equal(0);
      });
    });
  });

  it("reconcile sees every difference when two mappings write one table: another mapping's items are not orphans, a shared item is a collision", async () => {
    const owners = parseMapping({ name: "owners", pattern: "owner:{id}", table: "accounts" });
    const members = parseMapping({ name: "members", pattern: "member:{id}", table: "accounts" });
    const item = (key: string, id: string) => ({ key, partitionKey: { name: "id", value: id }, version: Date.now() * 1_000, attributes: { name: key } });
    await writeChanges(sinks.dynamo, { table: "accounts", changes: [item("owner:1", "1"), item("member:2", "2"), item("owner:3", "3")] });
    await withListener({ sink: new RoutingSink(sinks.dynamo), dynamo: sinks.dynamo, config: { rescanDeletes: false } }, async ({ client }) => {
      for (const key of ["owner:1", "member:2", "owner:3", "member:3"]) await client.hset(key, "name", key);
      // Alone, owners would call member 2's item an orphan (and --repair would delete it).
      expect((await reconcile(client, sinks.dynamo, owners)).orphaned).to.deep.equal(["owner:2"]);
      const report = await reconcile(client, sinks.dynamo, owners, { mappings: [owners, members] });
      expect(report).to.deep.include({ missing: [], stale: [], orphaned: [], collisions: ["owner:3 = member:3 -> id 3"] });
      expect(differences(report)).to.equal(1);
      const [s, us] = await client.time();
      const repair = { sink: new RoutingSink(sinks.dynamo), version: async () => Number(s) * 1e6 + Number(us) };
      expect((await reconcile(client, sinks.dynamo, owners, { mappings: [owners, members], repair })).repaired).to.equal(0);
      expect(await liveItem(sinks.dynamo, "accounts", { id: "2" })).to.deep.equal({ id: "2", name: "member:2" });
    });
  });

  describe("the local Lambda endpoint", () => {
    const invoke = (name: string, body: string) => fetch(`${sinks.lambdaEndpoint}/2015-03-31/functions/${name}/invocations`, { method: "POST", body });

    it("knows only its own function names (no Object.prototype lookups)", async () => {
      for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
        const response = await invoke(name, "{}");
        expect(response.status, name).to.equal(404);
        expect(response.headers.get("x-amzn-errortype")).to.equal("ResourceNotFoundException");
      }
    });

    it("refuses a body over Lambda's 6 MB like Lambda, and keeps serving", async () => {
      const response = await invoke("change-writer", "x".repeat(maxRequestBytes + 1));
      expect(response.status).to.equal(413);
      expect(response.headers.get("x-amzn-errortype")).to.equal("RequestTooLargeException");
      expect((await invoke("change-writer", JSON.stringify({ table: "people", changes: [] }))).status).to.equal(200);
    });
  });
});
