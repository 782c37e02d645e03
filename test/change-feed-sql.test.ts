import { expect } from "chai";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import pg from "pg";
import { createConnection } from "mysql2/promise";
import { Redis } from "ioredis";
import { ChangeFeedListener, defaultListenerConfig } from "../domain/change-feed/capture/listener.js";
import { connectionsLike } from "../domain/change-feed/capture/connections.js";
import { parseMapping, type CompiledMapping } from "../domain/change-feed/mappings.js";
import { mysqlDialect } from "../domain/change-feed/mysql-sink.js";
import { postgresDialect } from "../domain/change-feed/postgres-sink.js";
import { reconcile } from "../domain/change-feed/reconcile.js";
import { DriftSampler, defaultDriftConfig } from "../domain/change-feed/drift.js";
import { RoutingSink } from "../domain/change-feed/sinks.js";
import { SqlSink, type SqlDialect } from "../domain/change-feed/sql-sink.js";
import type { Change } from "../domain/change-feed/writer.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { startMariadb, startPostgres, type SqlServer } from "../local/launcher/sql-servers.js";
import { startRedis, type RedisNode } from "../local/launcher/services.js";
import { differences, notifications } from "./harness/change-feed.js";
import { eventually } from "./harness/eventually.js";

/** Each engine: its server, its table, and a plain query for the test's own reads. */
const engines = [
  {
    engine: "postgres" as const,
    start: startPostgres,
    dialect: postgresDialect,
    table: `CREATE TABLE people (id text PRIMARY KEY, name varchar(10), age integer, photo bytea, prefs jsonb, _v bigint NOT NULL, _deleted boolean NOT NULL DEFAULT false)`,
    query: async (url: string, sql: string): Promise<Record<string, unknown>[]> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
  },
  {
    engine: "mysql" as const,
    start: startMariadb,
    dialect: mysqlDialect,
    table:
      "CREATE TABLE people (id varchar(64) PRIMARY KEY, name varchar(10), age int, photo blob, prefs json, _v bigint NOT NULL, _deleted boolean NOT NULL DEFAULT false)",
    query: async (url: string, sql: string): Promise<Record<string, unknown>[]> => {
      const connection = await createConnection({ uri: url, supportBigNumbers: true, bigNumberStrings: true });
      try {
        return (await connection.query(sql))[0] as Record<string, unknown>[];
      } finally {
        await connection.end();
      }
    },
  },
];

const now = () => Date.now() * 1_000;
const change = (id: string, version: number, attributes?: Change["attributes"]): Change => ({
  key: `person:${id}`,
  partitionKey: { name: "id", value: id },
  version,
  ...(attributes ? { attributes } : {}),
});

for (const { engine, start, dialect, table, query } of engines) {
  describe(`change feed into ${engine === "postgres" ? "PostgreSQL" : "MariaDB (MySQL's protocol)"}: versioned upserts on the real server`, function () {
    this.timeout(90_000);
    let server: SqlServer;
    let sqlDialect: SqlDialect;
    let sink: SqlSink;
    const mapping: CompiledMapping = parseMapping({
      name: "people-sql",
      pattern: "person:{id}",
      destination: engine,
      table: "people",
      columns: { name: "text", age: "integer", photo: "bytes", prefs: "json" },
    });
    const row = async (id: string) => (await query(server.url, `SELECT * FROM people WHERE id = '${id}'`))[0];

    before(async () => {
      server = await start();
      await query(server.url, table);
      sqlDialect = dialect(server.url);
      sink = new SqlSink(sqlDialect, { attempts: 2, baseMs: 10, maxMs: 50 });
    });
    after(async () => {
      await sqlDialect.close();
      await server.stop();
    });

    it("an older snapshot never wins, in whatever order the writes land; a delete is a versioned tombstone", async () => {
      const v = now();
      expect(await sink.write(mapping, [change("1", v + 2, { name: "new", age: "42" })])).to.include({ written: 1 });
      expect(await sink.write(mapping, [change("1", v + 1, { name: "old", age: "7" })])).to.include({ written: 0, skipped: 1 });
      expect(await row("1")).to.deep.include({ name: "new", age: 42 });
      await sink.write(mapping, [change("1", v + 3)]);
      expect(await row("1")).to.deep.include({ name: null, age: null });
      expect(Boolean((await row("1"))._deleted)).to.equal(true);
      // A late older snapshot cannot bring it back; a newer one does.
      await sink.write(mapping, [change("1", v + 2, { name: "zombie" })]);
      expect(Boolean((await row("1"))._deleted)).to.equal(true);
      await sink.write(mapping, [change("1", v + 4, { name: "back" })]);
      expect(await row("1")).to.deep.include({ name: "back" });
    });

    it("each field becomes its column's type: integers, bytes exactly, JSON", async () => {
      const photo = Buffer.from([0xff, 0x00, 0xfe]);
      await sink.write(mapping, [change("2", now(), { name: "Ada", age: "36", photo: { base64: photo.toString("base64") }, prefs: '{"tea": true}' })]);
      const stored = await row("2");
      expect(stored).to.deep.include({ name: "Ada", age: 36 });
      expect(Buffer.from(stored.photo as Buffer).equals(photo)).to.equal(true);
      expect(typeof stored.prefs === "string" ? JSON.parse(stored.prefs) : stored.prefs).to.deep.equal({ tea: true });
    });

    it("a batch half-refused: a value too long for its column and text in an integer column are dead-lettered with the database's reason, the rest land", async () => {
      const v = now();
      const result = await sink.write(mapping, [
        change("3", v, { name: "fits" }),
        change("4", v, { name: "far too long for ten" }),
        change("5", v, { name: "ok", age: "not a number" }),
        change("6", v, { name: "also fits" }),
      ]);
      expect(result.written).to.equal(2);
      expect(result.rejected.map((r) => r.key)).to.deep.equal(["person:4", "person:5"]);
      expect(result.rejected[0].reason).to.match(/^the database refused the row: .*(too long|Data too long)/i);
      expect(result.rejected[1].reason).to.match(/^the database refused the row: .*(invalid input syntax for type integer|Incorrect integer value)/i);
      expect(await row("3")).to.deep.include({ name: "fits" });
      expect(await row("6")).to.deep.include({ name: "also fits" });
      expect(await row("4")).to.equal(undefined);
    });

    it("another type's whole value goes to the column mapped from `value`, as JSON: a list, a sorted set", async () => {
      await query(
        server.url,
        engine === "postgres"
          ? "CREATE TABLE things (id text PRIMARY KEY, value jsonb, _v bigint NOT NULL, _deleted boolean NOT NULL DEFAULT false)"
          : "CREATE TABLE things (id varchar(64) PRIMARY KEY, value json, _v bigint NOT NULL, _deleted boolean NOT NULL DEFAULT false)",
      );
      const things = parseMapping({ name: "things", pattern: "thing:{id}", destination: engine, table: "things", columns: { value: "json" } });
      const v = now();
      const list = { key: "thing:l", partitionKey: { name: "id", value: "l" }, version: v, attributes: { value: { list: ["a", { base64: "/w==" }] } } };
      const zset = { key: "thing:z", partitionKey: { name: "id", value: "z" }, version: v, attributes: { value: { scored: [{ member: "m", score: "1.5" }] } } };
      expect(await sink.write(things, [list, zset])).to.include({ written: 2 });
      const json = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value) as unknown;
      const stored = await query(server.url, "SELECT id, value FROM things ORDER BY id");
      expect(stored.map((r) => [r.id, json(r.value)])).to.deep.equal([
        ["l", ["a", { base64: "/w==" }]],
        ["z", [{ member: "m", score: 1.5 }]],
      ]);
    });

    it("the table is checked when the mapping loads: a missing column or table is named", async () => {
      expect(await sink.check(mapping)).to.equal(undefined);
      const nickname = parseMapping({ name: "n", pattern: "person:{id}", destination: engine, table: "people", columns: { nickname: "text" } });
      expect(await sink.check(nickname)).to.equal(`${engine} table "people" has no column nickname`);
      const missing = parseMapping({ name: "m", pattern: "person:{id}", destination: engine, table: "nobody", columns: { name: "text" } });
      expect(await sink.check(missing)).to.equal(`${engine} table "nobody" does not exist`);
    });

    it("through the listener: a hash arrives as a row, a refused mapping is reported, not written", async () => {
      const node: RedisNode = await startRedis({ config: notifications });
      const redis = new Redis(node.url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
      let listener: ChangeFeedListener | undefined;
      const log = memoryLogger();
      try {
        const routing = new RoutingSink(new DynamoDBClient({ region: "us-east-1" }), undefined, { [engine]: sink });
        listener = new ChangeFeedListener(
          redis,
          connectionsLike(redis),
          routing,
          { sql: { [engine]: sqlDialect } },
          { ...defaultListenerConfig, consumer: "sql", rescanDeletes: false },
          memoryLogger(),
        );
        // The rows the sink tests wrote directly have no key in this Redis: start from an empty table.
        await query(server.url, "DELETE FROM people");
        const broken = parseMapping({ name: "broken", pattern: "broken:{id}", destination: engine, table: "people", columns: { nickname: "text" } });
        await listener.start([mapping, broken]);
        await redis.hset("person:7", "name", "Grace", "age", "85");
        const arrived = await eventually(
          "person:7 as a row",
          () => row("7"),
          (r) => r !== undefined,
        );
        expect(arrived).to.deep.include({ name: "Grace", age: 85 });
        expect(await redis.hget("changefeed:mappings-refused", "broken")).to.equal(`mapping "broken": ${engine} table "people" has no column nickname`);
        // reconcile reads the SQL table: clean; then a row changed behind the feed's back (stale) and one
        // whose key never existed (orphaned) are found, and repaired from what Redis holds.
        const dynamo = new DynamoDBClient({ region: "us-east-1" });
        const only = (r: { stale: string[]; orphaned: string[]; missing: string[] }) => [r.missing, r.stale, r.orphaned];
        const clean = await eventually(
          "a clean reconcile",
          () => reconcile(redis, dynamo, mapping, { sql: { [engine]: sqlDialect } }),
          (r) => differences(r) === 0,
        );
        expect(clean.redisKeys).to.equal(1);
        await query(server.url, "UPDATE people SET name = 'Mallory' WHERE id = '7'");
        await query(server.url, "INSERT INTO people (id, name, _v, _deleted) VALUES ('99', 'nobody', 1, false)");
        const found = await reconcile(redis, dynamo, mapping, { sql: { [engine]: sqlDialect } });
        expect(only(found)).to.deep.include.members([[], ["person:7"]]);
        expect(found.orphaned).to.include("person:99");
        const version = async () => Date.now() * 1_000;
        const repaired = await reconcile(redis, dynamo, mapping, { sql: { [engine]: sqlDialect }, repair: { sink: routing, version } });
        expect(repaired.repaired).to.be.at.least(2);
        expect(await row("7")).to.deep.include({ name: "Grace" });
        expect(Boolean((await row("99"))._deleted)).to.equal(true);
      } catch (error) {
        console.log(
          JSON.stringify(log.entries.slice(-5)),
          JSON.stringify(listener?.counters),
          await redis.hgetall("changefeed:mappings-refused"),
          await redis.hgetall("changefeed:mappings"),
        );
        throw error;
      } finally {
        await listener?.stop();
        redis.disconnect();
        await node.stop();
      }
    });

    it("a delete missed while the listener was down, and a row whose key never existed, become tombstones at its restart; drift sees a row changed behind its back", async () => {
      const node: RedisNode = await startRedis({ config: notifications });
      const redis = new Redis(node.url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
      const routing = new RoutingSink(new DynamoDBClient({ region: "us-east-1" }), undefined, { [engine]: sink });
      const destinations = { sql: { [engine]: sqlDialect } };
      const startListener = async () => {
        const listener = new ChangeFeedListener(
          redis,
          connectionsLike(redis),
          routing,
          destinations,
          { ...defaultListenerConfig, consumer: "sql-rescan" },
          memoryLogger(),
        );
        await listener.start([mapping]);
        return listener;
      };
      let listener: ChangeFeedListener | undefined;
      try {
        await query(server.url, "DELETE FROM people");
        listener = await startListener();
        await redis.hset("person:8", "name", "Ada");
        await redis.hset("person:9", "name", "Bob");
        await eventually(
          "both rows",
          () => query(server.url, "SELECT id FROM people WHERE NOT _deleted"),
          (rows) => rows.length === 2,
        );
        await listener.stop();
        await redis.del("person:8");
        await query(server.url, "INSERT INTO people (id, name, _v, _deleted) VALUES ('98', 'nobody', 1, false)");
        listener = await startListener();
        const live = await eventually(
          "the rescan's tombstones",
          () => query(server.url, "SELECT id FROM people WHERE NOT _deleted"),
          (rows) => rows.length === 1,
        );
        expect(live.map((r) => r.id)).to.deep.equal(["9"]);
        expect(Boolean((await row("8"))._deleted) && Boolean((await row("98"))._deleted)).to.equal(true);

        const drift = new DriftSampler(
          redis,
          destinations,
          () => [mapping],
          { ...defaultDriftConfig, settleMs: 0 },
          () => {},
          memoryLogger(),
        );
        expect((await drift.sample(mapping)).differing).to.deep.equal([]);
        await query(server.url, "UPDATE people SET name = 'Mallory' WHERE id = '9'");
        expect(await drift.sample(mapping)).to.deep.include({ sampled: 1, differing: ["person:9"] });
      } finally {
        await listener?.stop();
        redis.disconnect();
        await node.stop();
      }
    });
  });
}
