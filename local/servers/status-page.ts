// The local status page, served by the console's server: each data path's live figures and small
// charts of the last minutes, from the registry of the same metrics the processes send in AWS, and the
// listener's health file as the watchdog reads it on EC2. Also /metrics for anyone who scrapes.
import { existsSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import { dataPaths, metricCatalog, metricsOf, type DataPath, type MetricName } from "../../domain/runtime/metrics.js";
import { figureOf, type MetricRegistry } from "../aws/metric-registry.js";

export interface StatusSource {
  registry: MetricRegistry;
  /** The listener's health file (rewritten every second while it runs). */
  healthFile?: string;
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

/** What the page draws: per path, every metric's latest figure and running total, and each chart's points (seconds, figure). */
export function statusOf(source: StatusSource) {
  const all = source.registry.all();
  const totalOf = (name: MetricName) => all.find((s) => s.name === name && Object.keys(s.dimensions).length === 0);
  const health = source.healthFile && existsSync(source.healthFile) ? (JSON.parse(readFileSync(source.healthFile, "utf8")) as unknown) : null;
  return {
    at: new Date().toISOString(),
    listener: health,
    paths: dataPaths.map((path) => ({
      path,
      figures: metricsOf(path).map((name) => {
        const series = totalOf(name);
        const last = series?.points[series.points.length - 1];
        return {
          name,
          unit: metricCatalog[name].unit,
          description: metricCatalog[name].description,
          latest: last ? figureOf(name, last.values).value : null,
          // Since the stack started: what a count adds up to (items confirmed, requests, ...).
          total: series && metricCatalog[name].kind === "count" ? series.sum : null,
        };
      }),
      charts: statusCharts[path].map(({ metric, title }) => ({
        metric,
        title,
        points: (totalOf(metric)?.points ?? []).map((p) => [p.at / 1000, figureOf(metric, p.values).value]),
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
  if (path === "/status.json") return reply("application/json", JSON.stringify(statusOf(source)));
  if (path === "/metrics") return reply("text/plain; version=0.0.4; charset=utf-8", source.registry.prometheus());
  return false;
}
