// A command gateway under attack: one gateway behind the local REST and GraphQL servers on a real
// server, what its callers' commands cost on the wire, and a check that the process and Redis stayed
// healthy (event-loop delay, heap, Redis's memory peak, a neighbour's PING latency).
import { expect } from "chai";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { GatewaySettings } from "../../domain/command-gateway/settings.js";
import { encodeCommand, endpointFromUrl } from "../../domain/redis/connector.js";
import { RespConnection, respSize } from "../../domain/redis/resp-connection.js";
import { startCommandApiServer } from "../../local/servers/command-api-server.js";
import { startRestServer } from "../../local/servers/rest-server.js";
import { redisCommand, startRedis, type RedisNode } from "../../local/launcher/services.js";
import { callerId, type CommandGateway } from "../../domain/command-gateway/gateway.js";
import { gatewayOn } from "./command-gateway.js";

/** What reached Redis and came back for callers' commands (the gateway's own probes and MULTI/EXEC aside). */
export interface Traffic {
  commands: number;
  bytes: number;
  replyBytes: number;
}

export interface GatewayBed {
  node: RedisNode;
  traffic: Traffic;
  apiKey: string;
  token: string;
  /** A read-only REST token; and a REST token and API key confined to `tenant:` (`tenant-a:`). */
  readToken: string;
  tenantToken: string;
  tenantApiKey: string;
  graphqlAs(apiKey: string, query: string, variables?: unknown): Promise<{ data?: Record<string, unknown> | null; errors?: { message: string }[] }>;
  rest(body: unknown, path?: string, token?: string): Promise<{ status: number; body: unknown }>;
  restUrl: string;
  graphql(
    query: string,
    variables?: unknown,
  ): Promise<{ data?: Record<string, { type: string; value: string | null; error: string | null }[] | null>; errors?: { message: string }[] }>;
  graphqlUrl: string;
  stop(): Promise<void>;
}

/** Commands the gateway sends for itself: its table, its cost probes, the transaction option. */
const own = new Set(["COMMAND", "DBSIZE", "MULTI", "EXEC", "TYPE", "LLEN", "SCARD", "ZCARD", "HLEN", "XLEN", "STRLEN", "MEMORY"]);

/** Counts what callers' commands cost on every request's connection (each request holds one of its own), a transaction's included. */
function countTraffic(gateway: CommandGateway, traffic: Traffic): void {
  const use = gateway.connections.use.bind(gateway.connections);
  gateway.connections.use = (scope, run) =>
    use(scope, (held) => {
      const counted: RespConnection["send"] = async (commands, options) => {
        const callers = commands.filter((c) => !own.has(c[0]));
        traffic.commands += callers.length;
        traffic.bytes += callers.reduce((n, c) => n + Buffer.byteLength(encodeCommand(c)), 0);
        const replies = await held.send(commands, options);
        if (callers.length) traffic.replyBytes += replies.reduce((n: number, r) => n + (r instanceof Error ? 0 : respSize(r)), 0);
        return replies;
      };
      return run(Object.assign(Object.create(held) as RespConnection, { send: counted }));
    });
}

export async function startGatewayBed(overrides: Partial<GatewaySettings>, server: Record<string, string> = {}): Promise<GatewayBed> {
  const node = await startRedis({ config: { "busy-reply-threshold": "100", "enable-debug-command": "yes", ...server } });
  const tenantToken = "tenant-a-token-attack";
  const tenantApiKey = "da2-tenant-a-attack";
  const tenant = { [callerId(tenantToken)]: "tenant-a:", [callerId(tenantApiKey)]: "tenant-a:" };
  const { gateway } = await gatewayOn(node.url, { keyPrefixes: tenant, ...overrides });
  const traffic: Traffic = { commands: 0, bytes: 0, replyBytes: 0 };
  countTraffic(gateway, traffic);
  const apiKey = "da2-attack";
  const token = "rw-token-attack";
  const readToken = "ro-token-attack";
  const rest = await startRestServer(gateway, { readWrite: [token, tenantToken], readOnly: [readToken] });
  const expires = Date.now() / 1000 + 3600;
  const graphql = await startCommandApiServer(
    gateway,
    [apiKey, tenantApiKey].map((key) => ({ key, expires })),
  );
  const graphqlAs = async (key: string, query: string, variables?: unknown) => {
    const response = await fetch(graphql.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as never;
  };
  return {
    node,
    traffic,
    apiKey,
    token,
    readToken,
    tenantToken,
    tenantApiKey,
    graphqlAs,
    graphqlUrl: graphql.graphqlUrl,
    restUrl: rest.endpoint,
    rest: async (body, path = "/pipeline", bearer = token) => {
      const response = await fetch(rest.endpoint + path, { method: "POST", headers: { authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as unknown };
    },
    graphql: (query, variables) => graphqlAs(apiKey, query, variables) as never,
    stop: async () => {
      await rest.stop();
      await graphql.stop();
      gateway.connections.close();
      await node.stop();
    },
  };
}

/** `count` neighbours' requests (a write and its read-back) alongside `attack`: how many were answered, and how many wrongly. */
export async function neighboursBeside<T>(bed: GatewayBed, count: number, attack: Promise<T>): Promise<{ attack: T; answered: number; failed: number }> {
  let [answered, failed] = [0, 0];
  const others = Array.from({ length: count }, async (_, i) => {
    const reply = await bed.rest([
      ["SET", `neighbour:${i}`, String(i)],
      ["GET", `neighbour:${i}`],
    ]);
    answered++;
    if (JSON.stringify(reply.body) !== JSON.stringify([{ result: "OK" }, { result: String(i) }])) failed++;
  });
  const [result] = await Promise.all([attack, ...others]);
  return { attack: result, answered, failed };
}

export interface Health {
  eventLoopDelayMs: number;
  heapGrowthMb: number;
  redisPeakGrowthMb: number;
  neighbourPingMs: number;
}

const peakOf = async (url: string) => Number(/used_memory_peak:(\d+)/.exec(String(await redisCommand(url, "INFO", "memory")))?.[1] ?? 0);

/**
 * Runs `attack` while a neighbour PINGs Redis on its own connection, then checks the process and Redis
 * stayed healthy: the event loop never stalled, the heap and Redis's memory peak did not balloon, the
 * neighbour was answered. Prints what it measured.
 */
export async function healthyAfter(
  url: string,
  attack: () => Promise<void>,
  limits: { heapMb?: number; redisPeakMb?: number; eventLoopMs?: number } = {},
): Promise<Health> {
  await redisCommand(url, "CONFIG", "RESETSTAT"); // resets used_memory_peak to what is used now
  const peakBefore = await peakOf(url);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const before = process.memoryUsage();
  const neighbour = new RespConnection({ ...endpointFromUrl(url), commandTimeoutMs: 10_000 });
  let attacking = true;
  let slowestPing = 0;
  const pinging = (async () => {
    while (attacking) {
      const started = performance.now();
      await neighbour.send([["PING"]], { idempotent: true }).catch(() => undefined);
      slowestPing = Math.max(slowestPing, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    await attack();
  } finally {
    attacking = false;
    await pinging;
    neighbour.close();
    delay.disable();
  }
  const after = process.memoryUsage();
  const health: Health = {
    eventLoopDelayMs: delay.max / 1e6,
    heapGrowthMb: (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20,
    redisPeakGrowthMb: ((await peakOf(url)) - peakBefore) / 2 ** 20,
    neighbourPingMs: slowestPing,
  };
  console.log(
    `      event-loop delay max ${health.eventLoopDelayMs.toFixed(0)} ms; heap + buffers ${health.heapGrowthMb >= 0 ? "+" : ""}${health.heapGrowthMb.toFixed(1)} MB; Redis peak +${health.redisPeakGrowthMb.toFixed(1)} MB; a neighbour's PING ${health.neighbourPingMs.toFixed(0)} ms at worst`,
  );
  expect(health.eventLoopDelayMs, "event-loop delay (ms)").to.be.below(limits.eventLoopMs ?? 500);
  expect(health.heapGrowthMb, "heap + buffers growth (MB)").to.be.below(limits.heapMb ?? 32);
  expect(health.redisPeakGrowthMb, "Redis used_memory_peak growth (MB)").to.be.below(limits.redisPeakMb ?? 32);
  expect(health.neighbourPingMs, "a neighbour's PING (ms)").to.be.below(1_000);
  expect(String((await redisCommand(url, "PING")) ?? "")).to.equal("PONG");
  return health;
}
