// A REST endpoint on a real server whose gateway logs every scope in as its own engine user (ACL
// SETUSER), so subscription streams meet the engine's channel rules too; plus a raw SSE reader.
import { CommandGateway, callerId } from "../../domain/command-gateway/gateway.js";
import type { GatewaySettings } from "../../domain/command-gateway/settings.js";
import { endpointFromUrl } from "../../domain/redis/connector.js";
import { aclSetUser, gatewayScopes, gatewayUser, scopeId } from "../../domain/redis/engine-users.js";
import { RespConnection } from "../../domain/redis/resp-connection.js";
import { PathMetrics, type MetricName } from "../../domain/runtime/metrics.js";
import { redisCommand, startRedis, type HttpService, type RedisNode } from "../../local/launcher/services.js";
import { startRestServer } from "../../local/servers/rest-server.js";
import { gatewaySettings } from "./command-gateway.js";
import { eventually } from "./eventually.js";

export const tokens = { readWrite: ["rw-token-0123456789", "tenant-token-0123456789"], readOnly: ["ro-token-0123456789"] };
export const tenantPrefix = "tenant-a:";

export interface SubscribeBed {
  node: RedisNode;
  server: HttpService;
  gateway: CommandGateway;
  /** Every metric point the gateway added, in order. */
  points: { name: MetricName; value: number; reason?: string }[];
  stop(): Promise<void>;
}

/** `settings` over the defaults; the tenant token confined to `tenant-a:`. */
export async function startSubscribeBed(settings: Partial<GatewaySettings> = {}, node?: RedisNode): Promise<SubscribeBed> {
  const redis = node ?? (await startRedis({ config: { "notify-keyspace-events": "KA" } }));
  const full = gatewaySettings({ keyPrefixes: { [callerId("tenant-token-0123456789")]: tenantPrefix }, ...settings });
  const users: Record<string, { username: string; password: string }> = {};
  for (const scope of gatewayScopes([tenantPrefix])) {
    const user = gatewayUser(scope, { scripts: false, keyspaceScopes: full.keyspaceChannelScopes });
    await redisCommand(redis.url, ...aclSetUser(user, "pw-for-tests"));
    users[scopeId(scope)] = { username: user.name, password: "pw-for-tests" };
  }
  const metrics = new PathMetrics("command-gateway", () => {});
  const points: SubscribeBed["points"] = [];
  const add = metrics.add.bind(metrics);
  metrics.add = (name, value, dimensions = {}) => {
    points.push({ name, value, reason: dimensions.Reason });
    add(name, value, dimensions);
  };
  const connection = new RespConnection({ ...endpointFromUrl(redis.url), username: users.read.username, password: users.read.password });
  const gateway = new CommandGateway(connection, full, { metrics, engineUsers: users });
  await gateway.commandTable();
  const server = await startRestServer(gateway, tokens);
  return {
    node: redis,
    server,
    gateway,
    points,
    stop: async () => {
      await server.stop();
      gateway.connections.close();
      if (!node) await redis.stop();
    },
  };
}

/** Waits until the bed's gateway holds no stream (each test's streams counted out). */
export const everyStreamClosed = (bed: SubscribeBed) =>
  eventually(
    "every stream closed",
    async () => bed.gateway.streams.open,
    (open) => open === 0,
  );

/** Redis's own count of subscribers to `channel`. */
export const numsub = async (url: string, channel: string) => Number(((await redisCommand(url, "PUBSUB", "NUMSUB", channel)) as [string, number])[1]);

/** A raw stream: its status, headers and everything read so far, decoded as text (latin1 for resp2, byte for byte). */
export interface RawStream {
  status: number;
  headers: Headers;
  text(): string;
  /** Waits until what was read satisfies `accept`; throws with what was read if the stream ends first. */
  until(what: string, accept: (text: string) => boolean): Promise<string>;
  ended: Promise<void>;
  abort(): void;
}

export async function openStream(endpoint: string, path: string, token: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const controller = new AbortController();
  const response = await fetch(`${endpoint}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream", ...headers },
    body: "[]",
    signal: controller.signal,
  });
  let text = "";
  const waiters = new Set<() => void>();
  const reader = response.body!.getReader();
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString(headers["upstash-response-format"] === "resp2" ? "latin1" : "utf8");
        for (const waiter of waiters) waiter();
      }
    } catch {
      // aborted
    } finally {
      for (const waiter of waiters) waiter();
    }
  })();
  let finished = false;
  void ended.then(() => (finished = true));
  return {
    status: response.status,
    headers: response.headers,
    text: () => text,
    ended,
    abort: () => controller.abort(),
    until: (what, accept) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (accept(text)) {
            waiters.delete(check);
            resolve(text);
          } else if (finished) {
            waiters.delete(check);
            reject(new Error(`the stream ended before ${what}; it held: ${JSON.stringify(text.slice(-2000))}`));
          }
        };
        waiters.add(check);
        void ended.then(check);
        check();
      }),
  };
}
