// The local status page, served by the console's server: each data path's verdict (its alarm rules,
// evaluated here), its live figures and small charts of the last minutes, from the registry of the same
// metrics the processes send in AWS; the engine's own figures per node; the listener's health file as
// the watchdog reads it on EC2. Also /metrics for anyone who scrapes.
import { existsSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import { dataPaths, metricCatalog, metricsOf, type DataPath, type MetricName } from "../../domain/runtime/metrics.js";
import { dataPathAlarmRules, defaultDataPathAlarms } from "../../domain/runtime/alarm-rules.js";
import { pathVerdicts } from "../../domain/runtime/alarm-verdicts.js";
import { redisCommand } from "../launcher/services.js";
import { figureOf, type MetricRegistry } from "../aws/metric-registry.js";

export interface StatusSource {
  registry: MetricRegistry;
  /** The listener's health file (rewritten every second while it runs). */
  healthFile?: string;
  /** The replication group's nodes, for the engine's own figures. */
  nodeUrls?: () => string[];
}

/** The charts of each row: the path's total series of these metrics. */
export const statusCharts: Record<DataPath, { metric: MetricName; title: string }[]> = {
  "change-feed": [
    { metric: "LagP99", title: "lag p99 (ms)" },
    { metric: "JournalLength", title: "journal length" },
    { metric: "Items", title: "items confirmed" },
  ],
  "command-gateway": [
    { metric: "Requests", title: "requests" },
    { metric: "Refusals", title: "refusals" },
    { metric: "Latency", title: "latency p99 (ms)" },
  ],
  "feature-store": [
    { metric: "LoadProgress", title: "last load: records" },
    { metric: "VersionAge", title: "served version age (s)" },
    { metric: "ReaderRequests", title: "reader requests" },
  ],
  "replica-dns": [
    { metric: "KeeperRuns", title: "keeper runs" },
    { metric: "KeeperChanges", title: "records changed" },
  ],
};

/** How a figure reads on a tile: its value with its unit's word. */
const unitWords: Record<string, string> = { Milliseconds: "ms", Seconds: "s", Bytes: "bytes", "Count/Second": "/s", Count: "" };

/** A chart's points, with a null after any silence of more than 3 s so an idle stretch draws as a gap, not a line. */
function withGaps(points: [number, number][]): [number, number | null][] {
  const out: [number, number | null][] = [];
  for (const [i, point] of points.entries()) {
    if (i > 0 && point[0] - points[i - 1][0] > 3) out.push([points[i - 1][0] + 1, null]);
    out.push(point);
  }
  return out;
}

/** The engine's own figures of each node, as RedisInsight shows them: role, memory, ops/s, clients. */
async function engineFigures(nodeUrls: string[]) {
  return Promise.all(
    nodeUrls.map(async (url) => {
      const info = await redisCommand(url, "INFO").then(
        (text) =>
          Object.fromEntries(
            String(text)
              .split("\r\n")
              .map((line) => line.split(":", 2)),
          ) as Record<string, string>,
        (error: Error) => ({ error: error.message }) as Record<string, string>,
      );
      if (info.error) return { url, role: "unreachable", error: info.error };
      return {
        url,
        role: info.role === "master" ? "primary" : "replica",
        memory: info.used_memory_human,
        opsPerSecond: Number(info.instantaneous_ops_per_sec),
        clients: Number(info.connected_clients),
      };
    }),
  );
}

/** What the page draws: each path's verdict from its alarm rules, its figures (latest and total) and charts, the engine's nodes, the listener's health. */
export async function statusOf(source: StatusSource) {
  const { registry } = source;
  const all = registry.all();
  const totalOf = (name: MetricName) => all.find((s) => s.name === name && Object.keys(s.dimensions).length === 0);
  const health = source.healthFile && existsSync(source.healthFile) ? (JSON.parse(readFileSync(source.healthFile, "utf8")) as unknown) : null;
  const verdicts = pathVerdicts(
    dataPathAlarmRules(defaultDataPathAlarms, dataPaths),
    dataPaths,
    (m, from, to) => registry.valuesIn(m, from, to),
    Date.now(),
    registry.startedAt,
  );
  return {
    at: new Date().toISOString(),
    listener: health,
    nodes: await engineFigures(source.nodeUrls?.() ?? []),
    paths: verdicts.map(({ path, verdict, reasons }) => ({
      path,
      verdict,
      reasons,
      figures: metricsOf(path).map((name) => {
        const series = totalOf(name);
        const last = series?.points[series.points.length - 1];
        const counted = metricCatalog[name].kind === "count";
        return {
          name,
          label: metricCatalog[name].description,
          unit: unitWords[metricCatalog[name].unit] ?? "",
          // A count nobody reported is zero; a gauge or distribution nobody reported is unknown.
          latest: last ? figureOf(name, last.values).value : counted ? 0 : null,
          // Since the stack started: what a count adds up to (items confirmed, requests, ...).
          total: counted ? (series?.sum ?? 0) : null,
        };
      }),
      charts: statusCharts[path].map(({ metric, title }) => ({
        metric,
        title,
        points: withGaps((totalOf(metric)?.points ?? []).map((p) => [p.at / 1000, figureOf(metric, p.values).value])),
      })),
    })),
  };
}

const require = createRequire(import.meta.url);
let script: Promise<string> | undefined;
const bundleStatusScript = async () =>
  (await build({ entryPoints: [join("web", "status.ts")], bundle: true, minify: true, format: "esm", target: "es2020", write: false })).outputFiles[0].text;

/** Answers /status, /status.js, /status.css, /status.json and /metrics; false for any other path. */
export async function serveStatus(path: string, source: StatusSource, response: ServerResponse): Promise<boolean> {
  const reply = (type: string, body: string) => {
    response.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    response.end(body);
    return true;
  };
  if (path === "/status") return reply("text/html; charset=utf-8", readFileSync(join("web", "status.html"), "utf8"));
  if (path === "/status.js") return reply("text/javascript; charset=utf-8", await (script ??= bundleStatusScript()));
  if (path === "/status.css") return reply("text/css; charset=utf-8", readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"));
  if (path === "/status.json") return reply("application/json", JSON.stringify(await statusOf(source)));
  if (path === "/metrics") return reply("text/plain; version=0.0.4; charset=utf-8", source.registry.prometheus());
  return false;
}
