import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createConnection } from "mysql2/promise";
import { Redis } from "ioredis";
import { ChangeFeedListener, defaultListenerConfig } from "../domain/change-feed/capture/listener.js";
import { connectionsLike } from "../domain/change-feed/capture/connections.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { mysqlDialect } from "../domain/change-feed/mysql-sink.js";
import { postgresDialect } from "../domain/change-feed/postgres-sink.js";
import { SqlSink, type SqlDialect } from "../domain/change-feed/sql-sink.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { startMariadb, startPostgres, type SqlServer } from "../local/launcher/sql-servers.js";
import { startRedis, type RedisNode } from "../local/launcher/services.js";
import { notifications } from "./harness/change-feed.js";
import { eventually, sleep } from "./harness/eventually.js";
import { random } from "./harness/workload.js";

const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const keys = 100;

/** Each engine: how to start it on a kept folder, its table, and a plain query of its live rows. */
const engines = [
  {
    engine: "postgres" as const,
    start: startPostgres,
    dialect: postgresDialect,
    table: "CREATE TABLE people (id text PRIMARY KEY, name text, city text, _v bigint NOT NULL, _deleted boolean NOT NULL DEFAULT false)",
    lock: "LOCK TABLE people IN ACCESS EXCLUSIVE MODE",
    run: async (url: string, statements: string[], holdMs = 0): Promise<Record<string, unknown>[]> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        let rows: Record<string, unknown>[] = [];
        for (const sql of statements) rows = (await client.query(sql)).rows as Record<string, unknown>[];
        await sleep(holdMs);
        return rows;
      } finally {
        await client.end();
      }
    },
  },
  {
    engine: "mysql" as const,
    start: startMariadb,
    dialect: mysqlDialect,
    table: "CREATE TABLE people (id varchar(64) PRIMARY KEY, name text, city text, _v bigint NOT NULL, _deleted boolean NOT NULL DEFAULT false)",
    lock: "SELECT * FROM people FOR UPDATE",
    run: async (url: string, statements: string[], holdMs = 0): Promise<Record<string, unknown>[]> => {
      const connection = await createConnection({ uri: url });
      try {
        let rows: Record<string, unknown>[] = [];
        for (const sql of statements) rows = (await connection.query(sql))[0] as Record<string, unknown>[];
        await sleep(holdMs);
        return rows;
      } finally {
        await connection.end();
      }
    },
  },
];

/** A seeded workload of writes, partial deletes, deletes and expiries on `person:<n>`, for `ms`. */
async function workload(redis: Redis, next: () => number, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let count = 0;
  while (Date.now() < until) {
    const key = `person:${Math.floor(next() * keys)}`;
    const roll = next();
    if (roll < 0.6) await redis.hset(key, "name", `n${Math.floor(next() * 1e6)}`, "city", next() < 0.5 ? "Paris" : "Oslo");
    else if (roll < 0.75) await redis.hdel(key, "city");
    else if (roll < 0.9) await redis.del(key);
    else await redis.pexpire(key, 1 + Math.floor(next() * 30));
    if (++count % 50 === 0) await sleep(2);
  }
  return count;
}

for (const { engine, start, dialect, table, lock, run } of engines) {
  describe(`change feed into ${engine} under faults (seed ${seed}; FAULT_SEED=${seed} repeats it)`, function () {
    this.timeout(180_000);
    let node: RedisNode;
    let redis: Redis;
    let server: SqlServer;
    let sqlDialect: SqlDialect;
    let dir: string;
    let listener: ChangeFeedListener | undefined;
    let listenerClient: Redis | undefined;
    const mapping = parseMapping({ name: "people", pattern: "person:{id}", destination: engine, table: "people", columns: { name: "text", city: "text" } });
    const next = random(seed);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `ecp-${engine}-faults-`));
      node = await startRedis({ config: notifications });
      redis = new Redis(node.url);
      server = await start({ dataDir: join(dir, "db") });
      await run(server.url, [table]);
      sqlDialect = dialect(server.url);
    });
    after(async () => {
      await stopListener();
      await sqlDialect.close();
      redis.disconnect();
      await Promise.all([node.stop(), server.stop()]);
      rmSync(dir, { recursive: true, force: true });
    });
    afterEach(function () {
      if (this.currentTest?.state === "failed") console.log(`      fault seed: ${seed} (FAULT_SEED=${seed} repeats it)`);
    });

    const startListener = async () => {
      listenerClient = new Redis(node.url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
      listener = new ChangeFeedListener(
        listenerClient,
        connectionsLike(listenerClient),
        new SqlSink(sqlDialect, { attempts: 3, baseMs: 50, maxMs: 500 }),
        { sql: { [engine]: sqlDialect } },
        { ...defaultListenerConfig, consumer: `${engine}-faults`, rescanDeletes: false, claimIdleMs: 1_000 },
        memoryLogger(),
      );
      await listener.start([mapping]);
    };
    async function stopListener() {
      await listener?.stop();
      listenerClient?.disconnect();
      listener = undefined;
    }
    /** Redis's hashes against the live rows: nothing missing, stale or extra. */
    const differences = async () => {
      const held = new Map<string, string>();
      for (const key of await redis.keys("person:*")) {
        const [name, city] = await redis.hmget(key, "name", "city");
        if (name !== null || city !== null) held.set(key.slice("person:".length), JSON.stringify([name, city]));
      }
      const rows = await run(server.url, ["SELECT id, name, city FROM people WHERE NOT _deleted"]);
      const live = new Map(rows.map((r) => [String(r.id), JSON.stringify([r.name ?? null, r.city ?? null])]));
      const missing = [...held.keys()].filter((k) => !live.has(k));
      const stale = [...held.keys()].filter((k) => live.has(k) && live.get(k) !== held.get(k));
      const extra = [...live.keys()].filter((k) => !held.has(k));
      return { keys: held.size, missing, stale, extra };
    };
    const converged = async (what: string) => {
      const result = await eventually(
        `${engine} to agree with Redis (${what})`,
        differences,
        (d) => d.missing.length + d.stale.length + d.extra.length === 0,
        60_000,
        250,
      );
      expect(result.keys).to.be.above(0);
      console.log(`      ${what}: ${result.keys} keys, 0 missing, 0 stale, 0 extra`);
    };

    it("the database stopped in the middle of the workload and started again: every change arrives", async () => {
      await startListener();
      const writing = workload(redis, next, 3_000);
      await sleep(1_000);
      await server.stop();
      await sleep(1_500);
      server = await start({ dataDir: join(dir, "db"), port: server.port });
      await writing;
      await converged("database restarted");
    });

    it("a lock held past the writer's lock timeout: the writes wait, give up, are retried, and arrive", async () => {
      const holding = run(server.url, engine === "postgres" ? ["BEGIN", lock] : ["START TRANSACTION", lock], 7_000);
      await workload(redis, next, 2_000);
      await holding;
      await converged("lock held for 7 s");
    });

    it("the listener restarted while the database is down: its journal keeps the changes until the database is back", async () => {
      await stopListener();
      await server.stop();
      await workload(redis, next, 1_500);
      await startListener();
      await workload(redis, next, 1_000);
      server = await start({ dataDir: join(dir, "db"), port: server.port });
      await converged("listener restarted during the outage");
    });
  });
}
