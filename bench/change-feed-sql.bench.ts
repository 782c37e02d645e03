// The change feed's SQL sinks against a plain batched upsert loop of the same rows (same batch size, one
// transaction per batch, no version check and no savepoints) on the same server in the same run; then
// the listener's lag while a SQL sink is slow (each delivery held 50 ms before it writes).
import { Redis } from "ioredis";
import pg from "pg";
import { createConnection, type Connection } from "mysql2/promise";
import { keyspaceEventsNeeded } from "../domain/change-feed/capture/subscriptions.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { mysqlDialect } from "../domain/change-feed/mysql-sink.js";
import { postgresDialect } from "../domain/change-feed/postgres-sink.js";
import type { ChangeSink } from "../domain/change-feed/sinks.js";
import { SqlSink } from "../domain/change-feed/sql-sink.js";
import type { Change } from "../domain/change-feed/writer.js";
import { sleep } from "../domain/runtime/retry.js";
import { startMariadb, startPostgres } from "../local/launcher/sql-servers.js";
import { startRedis } from "../local/launcher/services.js";
import { hsetLoad, startBenchListener } from "./change-feed-rig.js";
import { percentile, printTable } from "./table.js";

const rows = Number(process.env.BENCH_SQL_ROWS ?? 20_000);
const batch = 500;
const table = (engine: string) =>
  `CREATE TABLE people (id varchar(64) PRIMARY KEY, t text, n text, _v bigint NOT NULL, _deleted boolean NOT NULL DEFAULT ${engine === "postgres" ? "false" : "0"})`;

const changes = (round: number): Change[] =>
  Array.from({ length: rows }, (_, i) => ({
    key: `person:${i}`,
    partitionKey: { name: "id", value: String(i) },
    version: Date.now() * 1_000 + round,
    attributes: { t: String(Date.now()), n: `${round}-${i}` },
  }));

/** Plain statements for the baseline, one transaction per batch. */
async function plainPostgres(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    upsert: async (part: Change[]) => {
      const values = part.map((_, r) => `($${r * 4 + 1}, $${r * 4 + 2}, $${r * 4 + 3}, $${r * 4 + 4})`).join(", ");
      await client.query("BEGIN");
      await client.query(
        `INSERT INTO people (id, t, n, _v) VALUES ${values} ON CONFLICT (id) DO UPDATE SET t = EXCLUDED.t, n = EXCLUDED.n, _v = EXCLUDED._v`,
        part.flatMap((c) => [c.partitionKey.value, c.attributes!.t, c.attributes!.n, String(c.version)]),
      );
      await client.query("COMMIT");
    },
    close: () => client.end(),
  };
}

async function plainMysql(url: string) {
  const connection: Connection = await createConnection({ uri: url });
  return {
    upsert: async (part: Change[]) => {
      await connection.beginTransaction();
      await connection.query(
        `INSERT INTO people (id, t, n, _v) VALUES ${part.map(() => "(?, ?, ?, ?)").join(", ")} ON DUPLICATE KEY UPDATE t = VALUES(t), n = VALUES(n), _v = VALUES(_v)`,
        part.flatMap((c) => [c.partitionKey.value, c.attributes!.t, c.attributes!.n, String(c.version)]),
      );
      await connection.commit();
    },
    close: () => connection.end(),
  };
}

/** Rows per second writing `all` in batches with `write`. */
async function rate(all: Change[], write: (part: Change[]) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < all.length; i += batch) await write(all.slice(i, i + batch));
  return all.length / ((performance.now() - started) / 1000);
}

for (const [engine, start, dialectOf, plainOf] of [
  ["postgres", startPostgres, postgresDialect, plainPostgres],
  ["mysql", startMariadb, mysqlDialect, plainMysql],
] as const) {
  const server = await start();
  const plain = await plainOf(server.url);
  const dialect = dialectOf(server.url);
  const mapping = parseMapping({ name: "people", pattern: "person:{id}", destination: engine, table: "people", columns: { t: "text", n: "text" } });
  const sink = new SqlSink(dialect);
  // The table, then each side twice (inserts, then updates of every row), alternating.
  const admin = engine === "postgres" ? new pg.Client({ connectionString: server.url }) : undefined;
  if (admin) {
    await admin.connect();
    await admin.query(table(engine));
    await admin.end();
  } else {
    const connection = await createConnection({ uri: server.url });
    await connection.query(table(engine));
    await connection.end();
  }
  const oursRates: number[] = [];
  const plainRates: number[] = [];
  for (let round = 1; round <= 4; round++) {
    if (round % 2) oursRates.push(await rate(changes(round), (part) => sink.write(mapping, part)));
    else plainRates.push(await rate(changes(round), (part) => plain.upsert(part)));
  }
  printTable(`Change feed into ${engine}: ${rows.toLocaleString("en-US")} rows in batches of ${batch}, one transaction each`, "plain batched upsert", [
    { measure: "rows per second", ours: Math.max(...oursRates), baseline: Math.max(...plainRates), unit: "rows/s", higherIsBetter: true },
  ]);

  // The listener's lag while this sink is slow: each delivery waits 50 ms before it writes.
  const redis = await startRedis({ config: { "notify-keyspace-events": keyspaceEventsNeeded } });
  const writer = new Redis(redis.url);
  const lags: number[] = [];
  const slow: ChangeSink = {
    write: async (m, c) => {
      await sleep(50);
      const result = await sink.write(m, c);
      const now = Date.now();
      for (const change of c) lags.push(now - Number(change.attributes?.t ?? now));
      return result;
    },
  };
  const running = await startBenchListener(redis.url, slow, mapping);
  const offered = 5_000;
  await hsetLoad(writer, offered * 5, offered, 2_000);
  while (running.listener.counters.seen < offered * 5 || (await writer.xlen("changefeed:journal")) > 0) await sleep(10);
  await running.stop();
  lags.sort((a, b) => a - b);
  console.log(
    `\n${engine}, a slow sink (50 ms per delivery) at ${offered.toLocaleString("en-US")} HSET/s: lag p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms over ${lags.length.toLocaleString("en-US")} rows written`,
  );
  writer.disconnect();
  await redis.stop();
  await plain.close();
  await dialect.close();
  await server.stop();
}
