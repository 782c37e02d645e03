// The SQL destinations' connections the listener's configuration names: locally a URL (make dev's
// PostgreSQL and MariaDB); in AWS the RDS Proxy endpoint with an IAM authentication token for the
// password (15 minutes' validity, needed only when a connection opens), over TLS the proxy requires.
import { Signer } from "@aws-sdk/rds-signer";
import { mysqlDialect } from "../domain/change-feed/mysql-sink.js";
import { postgresDialect } from "../domain/change-feed/postgres-sink.js";
import type { SqlDialects } from "../domain/change-feed/destination-reader.js";
import type { SqlEngine } from "../domain/change-feed/sql-destination.js";
import type { ListenerFileConfig, SqlIamConnection } from "./config.js";

/** A new token this long before the one held expires: a connection opening then still gets a valid one. */
const tokenRefreshMs = 10 * 60_000;

/** Makes IAM tokens for one database user; `current()` is the newest (MySQL's driver asks for its password synchronously). */
export class IamTokens {
  private token = "";
  private timer?: ReturnType<typeof setInterval>;

  constructor(private readonly signer: Pick<Signer, "getAuthToken">) {}

  async start(): Promise<this> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), tokenRefreshMs).unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  current = (): string => this.token;

  next = async (): Promise<string> => this.refresh();

  private async refresh(): Promise<string> {
    this.token = await this.signer.getAuthToken();
    return this.token;
  }
}

/** The dialect for one IAM-authenticated endpoint. */
async function iamDialect(engine: SqlEngine, c: SqlIamConnection, region: string | undefined) {
  const tokens = await new IamTokens(new Signer({ hostname: c.host, port: c.port, username: c.user, region })).start();
  const ssl = { rejectUnauthorized: true, servername: c.host };
  if (engine === "postgres") return postgresDialect({ host: c.host, port: c.port, database: c.database, user: c.user, password: tokens.next, ssl });
  return mysqlDialect({
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    ssl,
    // IAM authentication sends the token as a clear-text password: only ever over the TLS above.
    authPlugins: { mysql_clear_password: () => () => Buffer.from(`${tokens.current()}\0`) },
  });
}

export async function sqlDialectsOf(file: ListenerFileConfig): Promise<SqlDialects> {
  const dialects: SqlDialects = {};
  if (file.postgresUrl) dialects.postgres = postgresDialect(file.postgresUrl);
  if (file.mysqlUrl) dialects.mysql = mysqlDialect(file.mysqlUrl);
  for (const [engine, connection] of Object.entries(file.sql ?? {}) as [SqlEngine, SqlIamConnection][])
    dialects[engine] = await iamDialect(engine, connection, file.region);
  return dialects;
}
