// make dev's SQL destinations: PostgreSQL and MariaDB on loopback (Debian's packages), their data kept
// under the state folder across restarts, each with the table its default mapping writes (local/mappings.json).
import { join } from "node:path";
import pg from "pg";
import { createConnection } from "mysql2/promise";
import { mysqlDialect } from "../../domain/change-feed/mysql-sink.js";
import { postgresDialect } from "../../domain/change-feed/postgres-sink.js";
import { SqlSink } from "../../domain/change-feed/sql-sink.js";
import { startMariadb, startPostgres } from "../launcher/sql-servers.js";
import type { Service } from "../launcher/services.js";
import type { DevPorts } from "./endpoints.js";

/** The default mappings' table: the whole key as the primary key, two hash fields as columns, the feed's version and tombstone. */
const peopleTable = {
  postgres:
    "CREATE TABLE IF NOT EXISTS people (id text PRIMARY KEY, first_name text, last_name text, _v bigint NOT NULL, _deleted boolean NOT NULL DEFAULT false)",
  mysql:
    "CREATE TABLE IF NOT EXISTS people (id varchar(255) PRIMARY KEY, first_name text, last_name text, _v bigint NOT NULL, _deleted boolean NOT NULL DEFAULT false)",
};

export async function startSqlDestinations(stateDir: string, ports: DevPorts, started: Service[]) {
  const [postgres, mysql] = await Promise.all([
    startPostgres({ port: ports.postgres, dataDir: join(stateDir, "postgres") }),
    startMariadb({ port: ports.mysql, dataDir: join(stateDir, "mysql") }),
  ]);
  started.push(postgres, mysql);
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query(peopleTable.postgres);
  await client.end();
  const connection = await createConnection({ uri: mysql.url });
  await connection.query(peopleTable.mysql);
  await connection.end();
  const dialects = { postgres: postgresDialect(postgres.url), mysql: mysqlDialect(mysql.url) };
  started.push({ stop: async () => void (await Promise.all(Object.values(dialects).map((d) => d.close()))) });
  return {
    urls: { postgresUrl: postgres.url, mysqlUrl: mysql.url },
    dialects,
    sinks: { postgres: new SqlSink(dialects.postgres), mysql: new SqlSink(dialects.mysql) },
  };
}
