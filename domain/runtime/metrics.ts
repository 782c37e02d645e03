// Every process's metrics: one namespace, one catalog of what each data path reports, serialized in
// CloudWatch's embedded metric format (EMF) by Powertools for AWS Lambda's Metrics. A Lambda prints
// each document (CloudWatch Logs turns it into metrics), the listener sends them to the CloudWatch
// agent on its host, and `make dev` keeps them in memory for its status page and /metrics. The
// dashboard, the alarms and the tests read the same catalog.
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { EmfOutput, MetricUnit as Unit } from "@aws-lambda-powertools/metrics/types";

export const metricNamespace = "ElastiCachePatterns";

/** The data path a metric belongs to; Powertools puts it in the `service` dimension of every metric. */
export type DataPath = "change-feed" | "command-gateway" | "feature-store" | "replica-dns";
export const dataPaths: readonly DataPath[] = ["change-feed", "command-gateway", "feature-store", "replica-dns"];
export const pathDimension = "service";

/**
 * count: summed over a flush (a document carries the total); gauge: the last value; distribution:
 * the values themselves (up to 99 a flush, sampled past that), so CloudWatch computes percentiles.
 */
export type MetricKind = "count" | "gauge" | "distribution";
export type ExtraDimension = "Mapping" | "Reason";

export interface MetricSpec {
  path: DataPath;
  unit: Unit;
  kind: MetricKind;
  /** Dimensions besides the path's; every point of the metric carries exactly these (and is published without them too). */
  dimensions: readonly ExtraDimension[];
  description: string;
}

const spec = (path: DataPath, unit: Unit, kind: MetricKind, description: string, dimensions: readonly ExtraDimension[] = []): MetricSpec => ({
  path,
  unit,
  kind,
  dimensions,
  description,
});
const { Count, Milliseconds, Seconds, Bytes, CountPerSecond } = MetricUnit;
const feed = "change-feed" as const;
const gateway = "command-gateway" as const;
const store = "feature-store" as const;
const keeper = "replica-dns" as const;
const mapping = ["Mapping"] as const;

export const metricCatalog = {
  LagP50: spec(feed, Milliseconds, "gauge", "median time from a key's first hint to its sink's confirmation", mapping),
  LagP99: spec(feed, Milliseconds, "gauge", "99th percentile of the same lag", mapping),
  Deliveries: spec(feed, Count, "count", "deliveries (batches of snapshots handed to sinks)"),
  Items: spec(feed, Count, "count", "items the sink confirmed", mapping),
  JournalLength: spec(feed, Count, "gauge", "journal entries not yet confirmed"),
  OldestUnconfirmedAge: spec(feed, Seconds, "gauge", "age of the oldest journal entry not yet confirmed"),
  DeadLetters: spec(feed, Count, "count", "items dead-lettered (never writable as they are)", mapping),
  Rescans: spec(feed, Count, "count", "rescans of a mapping completed", mapping),
  Deaf: spec(feed, Count, "gauge", "1 while the listener hears no keyspace notification from a primary"),
  MappingsRefused: spec(feed, Count, "gauge", "mappings refused at their last load (HGETALL changefeed:mappings-refused says why)"),
  Heartbeat: spec(feed, Count, "gauge", "1 per report from a running listener; missing means no listener runs"),
  Drift: spec(feed, Count, "gauge", "sampled items that differ between Redis and DynamoDB, after a settle re-check", mapping),
  DriftSampled: spec(feed, Count, "gauge", "items the drift sample compared", mapping),
  Requests: spec(gateway, Count, "count", "command lists run (a GraphQL field or a REST request)"),
  Refusals: spec(gateway, Count, "count", "command lists refused before anything ran, by reason", ["Reason"]),
  Timeouts: spec(gateway, Count, "count", "command lists Redis did not answer in time (or a script killed)"),
  Errors: spec(gateway, Count, "count", "command lists that failed on the gateway's or Redis's side (HTTP 5xx)"),
  Latency: spec(gateway, Milliseconds, "distribution", "time to run a command list, parse to reply"),
  ReplyBytes: spec(gateway, Bytes, "distribution", "reply bytes of a command list"),
  Subscribers: spec(gateway, Count, "gauge", "subscription streams (/subscribe, /psubscribe) open on one gateway process"),
  StreamMessages: spec(gateway, Count, "count", "messages written to subscription streams"),
  StreamsClosed: spec(gateway, Count, "count", "subscription streams ended, by reason (client, lifetime, slow-consumer, too-large, redis)", ["Reason"]),
  SlowConsumers: spec(gateway, Count, "count", "subscription streams closed because their consumer fell STREAM_BUFFER_BYTES behind"),
  LoadDuration: spec(store, Milliseconds, "gauge", "duration of a feature load"),
  LoadRecordsPerSecond: spec(store, CountPerSecond, "gauge", "records a feature load wrote per second"),
  LoadBadRecords: spec(store, Count, "count", "records a load skipped as malformed"),
  LoadSucceeded: spec(store, Count, "count", "feature loads that published a new version"),
  LoadFailed: spec(store, Count, "count", "feature loads that failed or were refused (the served version kept serving)"),
  LoadProgress: spec(store, Count, "gauge", "records loaded so far by the load under way"),
  VersionAge: spec(store, Seconds, "gauge", "age of the version the reader serves"),
  ReaderLatency: spec(store, Milliseconds, "distribution", "Redis time of a recommendation read"),
  ReaderRequests: spec(store, Count, "count", "recommendation reads"),
  ReaderMisses: spec(store, Count, "count", "reads that found no recommendation"),
  KeeperRuns: spec(keeper, Count, "count", "replica DNS keeper runs"),
  KeeperChanges: spec(keeper, Count, "count", "replicaN records changed"),
  KeeperHeld: spec(keeper, Count, "count", "runs that held the records (topology unsettled or unsafe)"),
} satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof metricCatalog;
export type Dimensions = Partial<Record<ExtraDimension, string>>;
/** One EMF document, as Powertools serializes it. */
export type EmfDocument = EmfOutput;
export type EmfSink = (document: EmfDocument) => void;

/** A Lambda's sink: one JSON line on stdout, which CloudWatch Logs reads as metrics. */
export const printEmf: EmfSink = (document) => void process.stdout.write(JSON.stringify(document) + "\n");

const maxValuesPerFlush = 99; // Powertools publishes on its own at 100 values of one metric

interface Series {
  values: number[];
  /** Values offered this flush (a distribution keeps a uniform sample of them). */
  offered: number;
}

/** A data path's metrics between two flushes; `flush` serializes one document per dimension set. */
export class PathMetrics {
  private readonly groups = new Map<string, { dimensions: Dimensions; series: Map<MetricName, Series> }>();

  constructor(
    readonly path: DataPath,
    private readonly sink: EmfSink = printEmf,
  ) {}

  add(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    const { path, kind, dimensions: expected } = metricCatalog[name];
    const given = Object.keys(dimensions).sort().join(",");
    // A programming error: a metric's points must share one dimension set, or its alarm misses some.
    if (path !== this.path || given !== [...expected].sort().join(","))
      throw new Error(`metric ${name} (${path}) takes dimensions [${expected}], got [${given}]`);
    const key = JSON.stringify(Object.entries(dimensions).sort());
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { dimensions, series: new Map() }));
    let series = group.series.get(name);
    if (!series) group.series.set(name, (series = { values: [], offered: 0 }));
    series.offered++;
    if (kind === "count") series.values = [(series.values[0] ?? 0) + value];
    else if (kind === "gauge") series.values = [value];
    else if (series.values.length < maxValuesPerFlush) series.values.push(value);
    else {
      const slot = Math.floor(Math.random() * series.offered);
      if (slot < maxValuesPerFlush) series.values[slot] = value;
    }
  }

  /** Hands every dimension set's metrics to the sink, then starts afresh. */
  flush(): void {
    for (const { dimensions, series } of this.groups.values()) {
      const metrics = new Metrics({ namespace: metricNamespace, serviceName: this.path });
      // Also under the path alone: CloudWatch then keeps the total (Sum) and the worst (Maximum) across
      // mappings or reasons, which alarms read without knowing the mappings added at run time.
      if (Object.keys(dimensions).length) metrics.addDimensions(dimensions as Record<string, string>).addDimensions({});
      for (const [name, { values }] of series) for (const value of values) metrics.addMetric(name, metricCatalog[name].unit, value);
      this.sink(metrics.serializeMetrics());
    }
    this.groups.clear();
  }
}

/** The metric names of a data path, in catalog order. */
export const metricsOf = (path: DataPath): MetricName[] => (Object.keys(metricCatalog) as MetricName[]).filter((name) => metricCatalog[name].path === path);

/** The `q` quantile (0..1) of ascending `sorted`, nearest rank. */
export const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
