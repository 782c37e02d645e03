// One CloudWatch dashboard, a row per data path: every metric that path reports, from the same catalog
// the processes use (domain/runtime/metrics.ts), plus the per-mapping lag of the change feed and the
// refusals by reason (SEARCH finds mappings added at run time too), then the cache's own metrics.
import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { metricCatalog, metricNamespace, metricsOf, pathDimension, type DataPath, type MetricName } from "../../domain/runtime/metrics.js";

const width = 6;
const height = 5;

/** How a metric reads best on a graph: counts summed, gauges at their worst, distributions at p99. */
const statisticOf = (name: MetricName) => ({ count: "Sum", gauge: "Maximum", distribution: "p99" })[metricCatalog[name].kind];

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export function dashboardBody(region: string, paths: DataPath[], cacheNodes: string[]): { widgets: Widget[] } {
  const widgets: Widget[] = [];
  let y = 0;
  const row = (title: string, graphs: Record<string, unknown>[]) => {
    widgets.push({ type: "text", x: 0, y: y++, width: 24, height: 1, properties: { markdown: `## ${title}` } });
    graphs.forEach((properties, i) =>
      widgets.push({
        type: "metric",
        x: (i * width) % 24,
        y: y + Math.floor((i * width) / 24) * height,
        width,
        height,
        properties: { region, view: "timeSeries", ...properties },
      }),
    );
    y += Math.ceil((graphs.length * width) / 24) * height;
  };
  const search = (name: MetricName, by: string, stat: string) => ({
    title: `${name} by ${by}`,
    metrics: [[{ expression: `SEARCH('{${metricNamespace},${pathDimension},${by}} MetricName="${name}"', '${stat}', 60)`, id: "s" }]],
  });
  for (const path of paths) {
    const graphs: Record<string, unknown>[] = metricsOf(path).map((name) => ({
      title: `${name} (${statisticOf(name)})`,
      stat: statisticOf(name),
      period: 60,
      metrics: [[metricNamespace, name, pathDimension, path]],
    }));
    if (path === "change-feed") graphs.push(search("LagP99", "Mapping", "Maximum"), search("Items", "Mapping", "Sum"));
    if (path === "command-gateway") graphs.push(search("Refusals", "Reason", "Sum"));
    row(path, graphs);
  }
  row(
    "cache",
    ["EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "CurrConnections", "ReplicationLag"].map((name) => ({
      title: name,
      stat: "Maximum",
      period: 60,
      metrics: cacheNodes.map((node) => ["AWS/ElastiCache", name, "CacheClusterId", node]),
    })),
  );
  return { widgets };
}

export class Dashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: { name: string; region: string; paths: DataPath[]; cacheNodes: string[] }) {
    super(scope, id);
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.name,
      dashboardBody: JSON.stringify(dashboardBody(props.region, props.paths, props.cacheNodes)),
    });
  }
}
