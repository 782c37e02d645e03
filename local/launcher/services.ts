// Real local services on loopback: valkey-server or redis-server (standalone, replicated, cluster), dynalite, s3rver.
// Used by both the test harness and `make dev`, so tests run against exactly what developers run.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { sleep } from "../../domain/runtime/retry.js";
import { defaultEngineLimits, engineDirectives } from "../../domain/redis/engine-limits.js";
import { guardFromBrowsers } from "./browser-guard.js";

const run = promisify(execFile);

export interface Service {
  stop(): Promise<void>;
}

export interface RedisNode extends Service {
  host: string;
  port: number;
  url: string;
  process: ChildProcess;
}

/** A port nobody listens on right now on `host` (the OS picks it). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const isFree = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const server: Server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });

/**
 * The first of `count` consecutive free ports on `host`, for a stack laid out from a base port. Taken
 * below Linux's ephemeral range (32768 and up): a stack binds its ports seconds after they are chosen,
 * and an outgoing connection in between could take one from that range.
 */
export async function freePortRange(count: number, host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    const free = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i, host)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports on ${host} between 20000 and 32767`);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

/** Runs one command on a short-lived connection (harness plumbing, not a data path). */
export async function redisCommand(url: string, ...args: (string | number)[]): Promise<unknown> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {}); // the rejected promise below carries the error
  try {
    await client.connect();
    return await client.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    client.disconnect();
  }
}

export interface RedisOptions {
  host?: string;
  port?: number;
  /** Extra `redis-server` directives, e.g. `{ "notify-keyspace-events": "KEA" }`. */
  config?: Record<string, string>;
  replicaOf?: { host: string; port: number };
  cluster?: boolean;
  /** Keep data here and snapshot on stop (for `make dev`); otherwise a throwaway folder and no persistence. */
  dataDir?: string;
}

const onPath = (name: string) => (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(join(dir, name)));

/**
 * The server binary: `REDIS_SERVER` when set (the compatibility run sets `redis-server`), else
 * valkey-server (ElastiCache's default engine here) when installed, else redis-server.
 */
export function redisServerBinary(): string {
  return process.env.REDIS_SERVER || (onPath("valkey-server") ? "valkey-server" : "redis-server");
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisNode> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), "ecp-redis-"));
  const directives: Record<string, string> = {
    port: String(port),
    bind: host,
    save: options.dataDir ? "60 1" : "",
    appendonly: "no",
    "protected-mode": "no",
    "repl-diskless-sync-delay": "0",
    dir,
    // The bus port is the data port + 10000 unless named: an ephemeral port above 55535 would put it past 65535.
    ...(options.cluster
      ? { "cluster-enabled": "yes", "cluster-config-file": "nodes.conf", "cluster-node-timeout": "2000", "cluster-port": String(await freePort(host)) }
      : {}),
    // A replica announces its own address, so ROLE / INFO replication name nodes as clients reach them.
    ...(options.replicaOf ? { replicaof: `${options.replicaOf.host} ${options.replicaOf.port}`, "replica-announce-ip": host } : {}),
    // The bounds the parameter group sets in AWS, on every local server too.
    ...engineDirectives(defaultEngineLimits),
    ...options.config,
  };
  const args = Object.entries(directives).flatMap(([k, v]) => [`--${k}`, ...v.split(" ")]);
  const binary = redisServerBinary();
  // Its own process group: a terminal's Ctrl-C reaches the stack, which stops the servers in order.
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let exited = false;
  child.once("exit", () => (exited = true));
  const url = `redis://${host}:${port}`;
  await waitFor(`${binary} on ${host}:${port}`, async () => {
    if (exited) throw new Error(`${binary} on ${host}:${port} exited at start (is the port in use?)`);
    return (await redisCommand(url, "PING")) === "PONG" ? true : undefined;
  });
  return {
    host,
    port,
    url,
    process: child,
    stop: async () => {
      if (!exited) {
        // A persistent node gets SIGTERM so it writes its snapshot; a throwaway one is simply killed.
        const gone = new Promise((r) => child.once("exit", r));
        child.kill(options.dataDir ? "SIGTERM" : "SIGKILL");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
        await gone;
        clearTimeout(timer);
      }
      if (!options.dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ReplicationGroup extends Service {
  primary: RedisNode;
  replicas: RedisNode[];
  nodes: RedisNode[];
}

/** A primary and `replicas` replicas, each optionally on its own loopback address. */
export async function startReplicationGroup(
  options: { replicas?: number; hosts?: string[]; port?: number; config?: Record<string, string>; dataDirs?: string[] } = {},
): Promise<ReplicationGroup> {
  const count = options.replicas ?? 2;
  const hosts = options.hosts ?? [];
  const node = (i: number, replicaOf?: RedisNode) =>
    startRedis({ host: hosts[i], port: options.port, config: options.config, dataDir: options.dataDirs?.[i], replicaOf });
  const primary = await node(0);
  const replicas = await Promise.all(Array.from({ length: count }, (_, i) => node(i + 1, primary)));
  await waitFor("replicas to sync", async () => {
    const info = String(await redisCommand(primary.url, "INFO", "replication"));
    if (!info.includes(`connected_slaves:${count}`) || info.includes("state=wait_bgsave") || info.includes("state=send_bulk")) return undefined;
    // Every replica done with its first full sync, so a failover right away finds the data there.
    for (const replica of replicas) {
      const own = String(await redisCommand(replica.url, "INFO", "replication"));
      if (!own.includes("master_link_status:up") || !own.includes("master_sync_in_progress:0")) return undefined;
    }
    return true;
  });
  const nodes = [primary, ...replicas];
  return { primary, replicas, nodes, stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))) };
}

export interface RedisCluster extends Service {
  nodes: RedisNode[];
  startupNodes: { host: string; port: number }[];
}

/** A Redis Cluster of `primaries` primaries (each with `replicasPerPrimary` replicas), created with `redis-cli --cluster create`. */
export async function startCluster(options: { primaries?: number; replicasPerPrimary?: number; config?: Record<string, string> } = {}): Promise<RedisCluster> {
  const replicas = options.replicasPerPrimary ?? 0;
  const count = (options.primaries ?? 3) * (1 + replicas);
  const nodes = await Promise.all(Array.from({ length: count }, () => startRedis({ cluster: true, config: options.config })));
  await run("redis-cli", ["--cluster", "create", ...nodes.map((n) => `${n.host}:${n.port}`), "--cluster-replicas", String(replicas), "--cluster-yes"]);
  await waitFor("cluster_state:ok on every node", async () => {
    for (const node of nodes) {
      if (!String(await redisCommand(node.url, "CLUSTER", "INFO")).includes("cluster_state:ok")) return undefined;
    }
    return true;
  });
  return {
    nodes,
    startupNodes: nodes.map(({ host, port }) => ({ host, port })),
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  };
}

export interface HttpService extends Service {
  endpoint: string;
}

async function listen(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
}

/** dynalite (DynamoDB API on LevelDB, in memory unless `path` is given). */
export async function startDynamo(options: { host?: string; port?: number; path?: string } = {}): Promise<HttpService> {
  const { default: dynalite } = await import("dynalite");
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.path }) as Server;
  guardFromBrowsers(server, `${host}:${port}`);
  await listen(server, host, port);
  return {
    endpoint: `http://${host}:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface S3Service extends HttpService {
  /** S3 event notifications (`{ Records: [{ eventName: "ObjectCreated:Put", s3: {...} }] }`), as S3 sends them. */
  onEvent(listener: (event: unknown) => void): void;
}

/** s3rver (S3 API on the file system; a temporary folder unless `directory` is given). */
export async function startS3(options: { host?: string; port?: number; directory?: string } = {}): Promise<S3Service> {
  const { default: S3rver } = await import("s3rver");
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(host));
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), "ecp-s3-"));
  const server = new S3rver({ address: host, port, silent: true, directory });
  await server.run();
  guardFromBrowsers((server as unknown as { httpServer: Server }).httpServer, `${host}:${port}`);
  return {
    endpoint: `http://${host}:${port}`,
    onEvent: (listener) => void server.on("event", (event) => listener(JSON.parse(JSON.stringify(event)))),
    stop: async () => {
      await server.close();
      if (!options.directory) rmSync(directory, { recursive: true, force: true });
    },
  };
}
