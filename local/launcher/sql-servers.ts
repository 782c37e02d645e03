// Real SQL destinations on loopback, from Debian's packages: PostgreSQL (Aurora PostgreSQL's engine)
// and MariaDB (speaking MySQL's protocol, as Aurora MySQL does). A data folder that already holds a
// database is started as it is (make dev keeps its data under .dev/ across restarts); without one, a
// temporary folder is initialised and removed at stop.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { createConnection } from "mysql2/promise";
import { freePort, waitFor, type Service } from "./services.js";

const run = promisify(execFile);

export interface SqlServer extends Service {
  engine: "postgres" | "mysql";
  host: string;
  port: number;
  /** `postgres://ecp@127.0.0.1:<port>/ecp` or `mysql://root@127.0.0.1:<port>/ecp`. */
  url: string;
}

export interface SqlServerOptions {
  host?: string;
  port?: number;
  /** Kept across starts when given; a temporary folder otherwise. */
  dataDir?: string;
}

/** The newest PostgreSQL Debian installed (`/usr/lib/postgresql/<major>/bin`). */
function postgresBin(): string {
  const majors = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort((a, b) => Number(a) - Number(b)) : [];
  if (!majors.length) throw new Error("PostgreSQL is not installed (Debian's postgresql package): make dev and make test install it");
  return `/usr/lib/postgresql/${majors.at(-1)}/bin`;
}

/** PostgreSQL refuses to run as root: as root, it runs as Debian's `postgres` user (its own process, so signals reach it), which owns its folder. */
async function serverUser(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  const [uid, gid] = await Promise.all(["-u", "-g"].map(async (flag) => Number((await run("id", [flag, "postgres"])).stdout)));
  return { uid, gid };
}

function stopped(child: ChildProcess, signal: NodeJS.Signals, cleanup: () => void): () => Promise<void> {
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill(signal);
      await exited;
    }
    cleanup();
  };
}

export async function startPostgres(options: SqlServerOptions = {}): Promise<SqlServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), "ecp-postgres-"));
  mkdirSync(dir, { recursive: true });
  const user = await serverUser();
  if (user.uid !== undefined) {
    chownSync(dir, user.uid, user.gid!);
    // The server's user must reach its folder: the folder above (a 0700 temporary one) gains traverse, not read.
    chmodSync(dirname(dir), statSync(dirname(dir)).mode | 0o011);
  }
  const data = join(dir, "data");
  const bin = postgresBin();
  if (!existsSync(join(data, "PG_VERSION"))) await run(`${bin}/initdb`, ["-D", data, "-U", "ecp", "--auth=trust", "-E", "UTF8"], user);
  // Durable by default (make dev keeps data); the tests' temporary servers skip fsync.
  const durability = options.dataDir ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off"];
  const child = spawn(`${bin}/postgres`, ["-D", data, "-h", host, "-p", String(port), "-k", dir, ...durability], { stdio: "ignore", ...user });
  const url = `postgres://ecp@${host}:${port}/postgres`;
  await waitFor(`PostgreSQL on ${host}:${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`postgres exited at start (${child.exitCode})`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("SELECT 1");
    await client.end();
    return true;
  });
  return { engine: "postgres", host, port, url, stop: stopped(child, "SIGINT", () => options.dataDir || rmSync(dir, { recursive: true, force: true })) };
}

export async function startMariadb(options: SqlServerOptions = {}): Promise<SqlServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), "ecp-mariadb-"));
  mkdirSync(dir, { recursive: true });
  const data = join(dir, "data");
  const user = userInfo().username;
  if (!existsSync(join(data, "mysql"))) {
    await run("mariadb-install-db", ["--no-defaults", `--datadir=${data}`, `--user=${user}`, "--auth-root-authentication-method=normal", "--skip-test-db"]);
  }
  const durability = options.dataDir ? [] : ["--innodb-flush-log-at-trx-commit=0", "--sync-binlog=0"];
  const child = spawn(
    "mariadbd",
    ["--no-defaults", `--datadir=${data}`, `--port=${port}`, `--bind-address=${host}`, `--socket=${join(dir, "mysqld.sock")}`, `--user=${user}`]
      .concat(["--skip-name-resolve", `--pid-file=${join(dir, "mysqld.pid")}`, `--log-error=${join(dir, "error.log")}`, "--sql-mode=STRICT_ALL_TABLES"])
      .concat(durability),
    { stdio: "ignore" },
  );
  await waitFor(
    `MariaDB on ${host}:${port}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`mariadbd exited at start (${child.exitCode}); see ${join(dir, "error.log")}`);
      const connection = await createConnection({ host, port, user: "root" });
      await connection.query("CREATE DATABASE IF NOT EXISTS ecp");
      await connection.end();
      return true;
    },
    30_000,
  );
  return {
    engine: "mysql",
    host,
    port,
    url: `mysql://root@${host}:${port}/ecp`,
    stop: stopped(child, "SIGTERM", () => options.dataDir || rmSync(dir, { recursive: true, force: true })),
  };
}
