// Command API (GraphQL) and Upstash REST endpoint against webdis, the C HTTP-to-Redis gateway, on one
// redis-server, loaded by wrk. Also the resolver's own overhead, the bundle's size and its cold start.
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveCommandField } from "../domain/command-gateway/appsync-resolver.js";
import { startCommandApiServer } from "../local/servers/command-api-server.js";
import { startRestServer } from "../local/servers/rest-server.js";
import { freePort, redisCommand, startRedis } from "../local/launcher/services.js";
import { gatewayOn } from "../test/harness/command-gateway.js";
import { percentile, printTable } from "./table.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), "ecp-bench-"));

interface WrkResult {
  requestsPerSecond: number;
  p99Ms: number;
}

async function wrk(url: string, request: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<WrkResult> {
  const script = join(dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  const lines = [`wrk.method = "${request.method ?? "GET"}"`];
  if (request.body) lines.push(`wrk.body = [==[${request.body}]==]`);
  for (const [k, v] of Object.entries(request.headers ?? {})) lines.push(`wrk.headers["${k}"] = "${v}"`);
  writeFileSync(script, lines.join("\n"));
  // Asynchronous: our servers run on this process's event loop.
  const { stdout: out } = await promisify(execFile)("wrk", ["-t2", "-c50", `-d${seconds}s`, "--latency", "-s", script, url], { encoding: "utf8" });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const factor = { us: 0.001, ms: 1, s: 1000 }[(p99?.[2] ?? "ms") as "us" | "ms" | "s"];
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (errors) throw new Error(`wrk saw ${errors[1]} failed responses from ${url}`);
  return { requestsPerSecond: rps, p99Ms: Number(p99?.[1]) * factor };
}

const redis = await startRedis();
await redisCommand(redis.url, "SET", "key", "value");
for (let i = 0; i < 100; i++) await redisCommand(redis.url, "SET", `k${i}`, `v${i}`);

const webdisPort = await freePort();
const webdisConfig = join(dir, "webdis.json");
writeFileSync(
  webdisConfig,
  JSON.stringify({
    redis_host: redis.host,
    redis_port: redis.port,
    http_host: "127.0.0.1",
    http_port: webdisPort,
    threads: 2,
    pool_size: 20,
    daemonize: false,
    websockets: false,
    database: 0,
    verbosity: 0,
    logfile: join(dir, "webdis.log"),
  }),
);
const webdis = spawn("webdis", [webdisConfig], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 500));

const { gateway, connection } = await gatewayOn(redis.url);
const rest = await startRestServer(gateway, { readWrite: ["bench"], readOnly: [] });
const graphql = await startCommandApiServer(gateway, [{ key: "da2-bench", expires: Date.now() / 1000 + 3600 }]);
const auth = { Authorization: "Bearer bench", "Content-Type": "application/json" };

try {
  const webdisSingle = await wrk(`http://127.0.0.1:${webdisPort}/GET/key`);
  const restSingle = await wrk(`${rest.endpoint}/get/key`, { headers: auth });
  const graphqlSingle = await wrk(graphql.graphqlUrl, {
    method: "POST",
    body: JSON.stringify({ query: '{ read(commands: [["GET","key"]]) { type value } }' }),
    headers: { "x-api-key": "da2-bench", "Content-Type": "application/json" },
  });
  const hundred = Array.from({ length: 100 }, (_, i) => ["GET", `k${i}`]);
  const restPipeline = await wrk(`${rest.endpoint}/pipeline`, { method: "POST", body: JSON.stringify(hundred), headers: auth });
  const graphqlBatch = await wrk(graphql.graphqlUrl, {
    method: "POST",
    body: JSON.stringify({ query: `{ read(commands: ${JSON.stringify(hundred)}) { type value } }` }),
    headers: { "x-api-key": "da2-bench", "Content-Type": "application/json" },
  });

  // Resolver overhead: the handler's time minus the same command sent bare on the same connection.
  const event = { arguments: { commands: [["GET", "key"]] }, identity: null, request: { headers: {} }, info: { fieldName: "read", parentTypeName: "Query" } };
  const time = async (fn: () => Promise<unknown>, n: number) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = process.hrtime.bigint();
      await fn();
      samples.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
    return samples.sort((a, b) => a - b);
  };
  await time(() => resolveCommandField(gateway, event), 2_000);
  const handler = await time(() => resolveCommandField(gateway, event), 20_000);
  const bare = await time(() => connection.send([["GET", "key"]]), 20_000);
  const overheadMicros = percentile(handler, 50) - percentile(bare, 50);

  // Bundle size and cold start: a fresh node importing the bundle (init connects and reads COMMAND).
  spawnSync("npx", ["tsx", "tools/build.ts"], { stdio: "ignore" });
  const bundle = join("dist", "command-api", "index.mjs");
  const coldStarts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(
      "node",
      [
        "--input-type=module",
        "-e",
        `const t=performance.now(); await import(${JSON.stringify(`./${bundle}`)}); console.log(performance.now()-t); process.exit(0)`,
      ],
      {
        encoding: "utf8",
        env: { ...process.env, REDIS_URL: redis.url },
      },
    );
    coldStarts.push(Number(out.trim()));
  }
  coldStarts.sort((a, b) => a - b);

  const rows = [
    {
      measure: "single GET, REST: requests/s",
      ours: restSingle.requestsPerSecond,
      baseline: webdisSingle.requestsPerSecond,
      unit: "req/s",
      higherIsBetter: true,
    },
    { measure: "single GET, REST: p99", ours: restSingle.p99Ms, baseline: webdisSingle.p99Ms, unit: "ms", higherIsBetter: false },
    {
      measure: "single GET, GraphQL: requests/s",
      ours: graphqlSingle.requestsPerSecond,
      baseline: webdisSingle.requestsPerSecond,
      unit: "req/s",
      higherIsBetter: true,
    },
    { measure: "single GET, GraphQL: p99", ours: graphqlSingle.p99Ms, baseline: webdisSingle.p99Ms, unit: "ms", higherIsBetter: false },
    {
      measure: "100-command REST pipeline: commands/s",
      ours: restPipeline.requestsPerSecond * 100,
      baseline: webdisSingle.requestsPerSecond,
      unit: "cmd/s",
      higherIsBetter: true,
    },
    { measure: "100-command REST pipeline: p99 per request", ours: restPipeline.p99Ms, baseline: Number.NaN, unit: "ms", higherIsBetter: false },
    {
      measure: "100-command GraphQL batch: commands/s",
      ours: graphqlBatch.requestsPerSecond * 100,
      baseline: webdisSingle.requestsPerSecond,
      unit: "cmd/s",
      higherIsBetter: true,
    },
    { measure: "100-command GraphQL batch: p99 per request", ours: graphqlBatch.p99Ms, baseline: Number.NaN, unit: "ms", higherIsBetter: false },
  ];
  printTable(`HTTP gateways on one redis-server (wrk -t2 -c50 -d${seconds}s; webdis needs one request per command)`, "webdis", rows);
  printTable("Resolver cost (in process, 20,000 sequential GETs)", "the same GET sent bare", [
    { measure: "p50 per request", ours: percentile(handler, 50), baseline: percentile(bare, 50), unit: "µs", higherIsBetter: false },
    { measure: "p99 per request", ours: percentile(handler, 99), baseline: percentile(bare, 99), unit: "µs", higherIsBetter: false },
  ]);
  console.log(`\nresolver overhead (handler p50 - bare p50): ${overheadMicros.toFixed(1)} µs per request`);
  console.log(
    `command-api bundle: ${(statSync(bundle).size / 1024).toFixed(1)} KiB; cold start (import + connect + COMMAND), p50 of 5: ${percentile(coldStarts, 50).toFixed(1)} ms`,
  );
} finally {
  webdis.kill();
  await rest.stop();
  await graphql.stop();
  connection.close();
  await redis.stop();
}
