// One Redis client per container, created at init and reused by every invocation.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { endpointFromUrl, type RedisEndpoint } from "./connector.js";
import { RespConnection } from "./resp-connection.js";
import type { EnvironmentReader } from "../runtime/env.js";
import { ConfigError } from "../runtime/errors.js";
import { secretString } from "../runtime/secrets.js";

export interface RedisConnectionSettings {
  /** `rediss://` (TLS) in AWS: the replication group's primary endpoint. */
  url: string;
  /** Secrets Manager secret holding this client's engine user (`{"username", "password"}`); read once at init, never logged. */
  authSecretArn?: string;
  /** A cluster-mode-enabled group: `url` is its configuration endpoint. */
  cluster?: boolean;
}

/** `REDIS_URL` (checked now), `REDIS_AUTH_SECRET_ARN`, `REDIS_CLUSTER`. */
export function redisSettings(env: EnvironmentReader): RedisConnectionSettings {
  const url = env.string("REDIS_URL", "point it at the replication group's primary endpoint (rediss://...)");
  endpointFromUrl(url);
  return { url, authSecretArn: env.optionalString("REDIS_AUTH_SECRET_ARN"), cluster: env.flag("REDIS_CLUSTER", false) };
}

/** The engine user a secret names: `{"username", "password"}` (an RBAC user), or a bare AUTH token. */
export async function credentialOf(secretArn: string | undefined): Promise<{ username?: string; password?: string }> {
  if (!secretArn) return {};
  const secret = await secretString(secretArn);
  if (!secret.startsWith("{")) return { password: secret };
  const parsed = JSON.parse(secret) as { username?: string; password?: string };
  if (typeof parsed.password !== "string") throw new ConfigError(`secret ${secretArn} has no "password"`);
  return { username: parsed.username, password: parsed.password };
}

/**
 * No CLIENT SETINFO on connect: it is outside every engine user's grants (and unknown before Redis
 * 7.2), so each connection would leave a refusal in the engine's ACL LOG, where real ones must show.
 */
const disableClientInfo = true;

/**
 * Connects in the background, so a Redis outage at cold start does not fail the container's init.
 * A command waits for at most one reconnection (then fails with a clear, retryable error instead of
 * a Lambda timeout); READONLY, what a client sees right after a failover while it still talks to
 * the demoted primary, triggers a reconnect and a resend.
 */
export async function connectRedis(settings: RedisConnectionSettings, extra: RedisOptions = {}): Promise<Redis> {
  const { username, password } = await credentialOf(settings.authSecretArn);
  const client = new Redis(settings.url, {
    username,
    password,
    disableClientInfo,
    connectTimeout: 2_000,
    commandTimeout: 5_000,
    maxRetriesPerRequest: 1,
    reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
    ...extra,
  });
  // Errors reach callers through their commands; an unhandled 'error' event would only add noise.
  client.on("error", () => {});
  return client;
}

/** The endpoint of one node as an ioredis client would reach it: its TLS, user, password and db. */
export function endpointOfClientOptions(options: RedisOptions, node: { host: string; port: number }): RedisEndpoint {
  const tls = options.tls ? { ...options.tls } : undefined;
  return { ...node, tls, username: options.username, password: options.password, db: options.db };
}

/** The command gateway's connection: whole batches as raw RESP on one socket to the primary endpoint (as `user`, when given). */
export async function openRespConnection(settings: RedisConnectionSettings, user?: { username: string; password: string }): Promise<RespConnection> {
  const credential = user ?? (await credentialOf(settings.authSecretArn));
  return new RespConnection(endpointFromUrl(settings.url, credential.password ? credential : {}));
}

/**
 * A Cluster client for cluster-mode-enabled groups, a plain client otherwise. Only the plain client
 * auto-pipelines: ioredis batches a cluster's commands per node, and after a failover the old node
 * answers each slot with its own MOVED, which ioredis then hands to the callers instead of
 * redirecting (redis/ioredis#2075; test/failover-cluster.test.ts shows it).
 */
export async function connectRedisOrCluster(settings: RedisConnectionSettings, extra: ClusterOptions = {}): Promise<Redis | Cluster> {
  if (!settings.cluster) return connectRedis(settings, { enableAutoPipelining: true, ...extra.redisOptions });
  const { username, password } = await credentialOf(settings.authSecretArn);
  const url = new URL(settings.url);
  const tls = url.protocol === "rediss:" ? {} : undefined;
  const cluster = new Cluster([{ host: url.hostname, port: Number(url.port || 6379) }], {
    enableAutoPipelining: false,
    // ElastiCache's TLS certificates name the configuration endpoint, not the node IPs.
    dnsLookup: (address, callback) => callback(null, address),
    ...extra,
    // After `extra`: a caller's redisOptions add to these, they must not drop the password and TLS.
    redisOptions: { username, password, tls, disableClientInfo, connectTimeout: 2_000, maxRetriesPerRequest: 1, ...extra.redisOptions },
  });
  cluster.on("error", () => {});
  return cluster;
}

/** Every primary: the cluster's masters, or the one client itself (SCAN and subscriptions are per node). */
export const primaryNodes = (client: Redis | Cluster): Redis[] => ((client as Cluster).isCluster ? (client as Cluster).nodes("master") : [client as Redis]);

/** Every key matching `pattern`, page by page, on every primary (`type` filters by Redis type). */
export async function* scanPrimaries(client: Redis | Cluster, pattern: string, type?: string): AsyncGenerator<{ node: Redis; keys: string[] }> {
  for (const node of primaryNodes(client)) {
    let cursor = "0";
    do {
      const [next, keys] = type
        ? await node.scan(cursor, "MATCH", pattern, "COUNT", 1_000, "TYPE", type)
        : await node.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
      cursor = next;
      if (keys.length) yield { node, keys };
    } while (cursor !== "0");
  }
}
