// `make dev`'s CloudWatch: the same EMF documents the processes send in AWS, read the way CloudWatch
// reads them (each dimension set of each directive is a series), kept for the last minutes, and served
// to the status page as JSON and to scrapers in the Prometheus text format.
import { metricCatalog, PathMetrics, pathDimension, quantile, type DataPath, type EmfDocument, type MetricName } from "../../domain/runtime/metrics.js";

const keptMs = 10 * 60_000;

interface Point {
  at: number;
  values: number[];
}

export interface Series {
  name: MetricName;
  path: DataPath;
  /** Dimensions besides the path's (Mapping, Reason); empty for the path's total. */
  dimensions: Record<string, string>;
  /** The path's total across a dimension (published beside the per-mapping or per-reason series). */
  total: boolean;
  points: Point[];
  /** Since the registry started: every value's sum and count (Prometheus counters and summaries). */
  sum: number;
  count: number;
}

/** A point as one figure: a count's sum, a gauge's value, a distribution's p99 (with its p50). */
export function figureOf(name: MetricName, values: number[]): { value: number; p50?: number } {
  const { kind } = metricCatalog[name];
  if (kind === "count") return { value: values.reduce((a, b) => a + b, 0) };
  if (kind === "gauge") return { value: values[values.length - 1] };
  const sorted = [...values].sort((a, b) => a - b);
  return { value: quantile(sorted, 0.99), p50: quantile(sorted, 0.5) };
}

const unitSuffix: Record<string, string> = { Milliseconds: "_milliseconds", Seconds: "_seconds", Bytes: "_bytes", "Count/Second": "_per_second" };
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
const labelValue = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export class MetricRegistry {
  /** When the registry began: periods before it hold no data (the status page's verdicts know it). */
  readonly startedAt = Date.now();
  private readonly series = new Map<string, Series>();
  private readonly flushed: PathMetrics[] = [];
  private timer?: ReturnType<typeof setInterval>;

  /** A data path's metrics, recorded here; those that do not flush themselves are flushed every second by `start`. */
  metricsFor(path: DataPath, options: { flushedHere?: boolean } = { flushedHere: true }): PathMetrics {
    const metrics = new PathMetrics(path, (document) => this.record(document));
    if (options.flushedHere) this.flushed.push(metrics);
    return metrics;
  }

  start(intervalMs = 1_000): void {
    this.timer = setInterval(() => this.flushed.forEach((m) => m.flush()), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.flushed.forEach((m) => m.flush());
  }

  /** One EMF document, read as CloudWatch reads it. */
  record(document: EmfDocument): void {
    const fields = document as unknown as Record<string, unknown>;
    const at = document._aws.Timestamp;
    for (const directive of document._aws.CloudWatchMetrics) {
      directive.Dimensions.forEach((names, set) => {
        const dimensions = Object.fromEntries(names.filter((n) => n !== pathDimension).map((n) => [n, String(fields[n])]));
        for (const { Name } of directive.Metrics) {
          const name = Name as MetricName;
          const raw = fields[Name];
          const values = (Array.isArray(raw) ? raw : [raw]).map(Number);
          const key = `${Name}${JSON.stringify(Object.entries(dimensions).sort())}`;
          let series = this.series.get(key);
          if (!series) {
            const path = String(fields[pathDimension]) as DataPath;
            this.series.set(key, (series = { name, path, dimensions, total: set > 0, points: [], sum: 0, count: 0 }));
          }
          series.points.push({ at, values });
          series.sum += values.reduce((a, b) => a + b, 0);
          series.count += values.length;
          while (series.points.length && series.points[0].at < at - keptMs) series.points.shift();
        }
      });
    }
  }

  all(): Series[] {
    return [...this.series.values()];
  }

  /** The values of a metric's path total in [from, to), oldest first: what an alarm's period reads. */
  valuesIn(name: MetricName, from: number, to: number): number[] {
    const series = this.all().find((s) => s.name === name && Object.keys(s.dimensions).length === 0);
    return (series?.points ?? []).filter((p) => p.at >= from && p.at < to).flatMap((p) => p.values);
  }

  /** The latest figure of a metric: the path's total, or one mapping's (or reason's) series. */
  latest(name: MetricName, dimensions: Record<string, string> = {}): number | undefined {
    const series = this.all().find(
      (s) => s.name === name && JSON.stringify(Object.entries(s.dimensions).sort()) === JSON.stringify(Object.entries(dimensions).sort()),
    );
    const last = series?.points[series.points.length - 1];
    return last && figureOf(name, last.values).value;
  }

  /** The Prometheus text format (0.0.4): counters as totals since start, gauges as the last value, distributions as summaries. */
  prometheus(): string {
    const lines: string[] = [];
    const byName = new Map<MetricName, Series[]>();
    // The per-dimension series only: a scraper sums them itself, and the totals would count twice.
    for (const s of this.all()) if (!s.total || metricCatalog[s.name].dimensions.length === 0) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    for (const [name, series] of byName) {
      const spec = metricCatalog[name];
      const base = `ecp_${snake(name)}${unitSuffix[spec.unit] ?? ""}`;
      const metric = spec.kind === "count" ? `${base}_total` : base;
      lines.push(`# HELP ${metric} ${spec.description}`, `# TYPE ${metric} ${spec.kind === "count" ? "counter" : spec.kind === "gauge" ? "gauge" : "summary"}`);
      for (const s of series) {
        const labels = [`service="${s.path}"`, ...Object.entries(s.dimensions).map(([k, v]) => `${k.toLowerCase()}="${labelValue(v)}"`)];
        const last = s.points[s.points.length - 1];
        const set = (extra: string[] = []) => `{${[...labels, ...extra].join(",")}}`;
        if (spec.kind === "count") lines.push(`${metric}${set()} ${s.sum}`);
        else if (spec.kind === "gauge") lines.push(`${metric}${set()} ${last ? figureOf(name, last.values).value : 0}`);
        else {
          const recent = s.points.filter((p) => p.at >= Date.now() - 60_000).flatMap((p) => p.values);
          const sorted = recent.sort((a, b) => a - b);
          for (const q of [0.5, 0.99]) lines.push(`${metric}${set([`quantile="${q}"`])} ${sorted.length ? quantile(sorted, q) : "NaN"}`);
          lines.push(`${metric}_sum${set()} ${s.sum}`, `${metric}_count${set()} ${s.count}`);
        }
      }
    }
    return lines.join("\n") + "\n";
  }
}
