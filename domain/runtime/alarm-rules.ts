// The data paths' alarm rules, in one place for both readers: the infrastructure turns each into a
// CloudWatch alarm (infra/constructs/data-path-alarms.ts) and `make dev`'s status page evaluates the
// same rules over its own metrics for each path's verdict. Runbooks: docs/operating.md.
import type { DataPath, MetricName } from "./metrics.js";

/** Thresholds of the data paths' alarms. A `...Minutes` or `...Rounds` setting is how long the condition must last. */
export interface DataPathAlarmThresholds {
  /** Change feed: the worst mapping's p99 lag from a key's first hint to its sink's confirmation. */
  feedLagP99Ms: number;
  feedLagMinutes: number;
  /** The journal's oldest unconfirmed entry (a delivery that keeps failing, or no listener reading). */
  oldestUnconfirmedSeconds: number;
  /** Dead letters tolerated in five minutes (0: any wakes someone). */
  deadLetters: number;
  deafMinutes: number;
  /** Sampled items that differ between Redis and DynamoDB, over `driftRounds` consecutive rounds. */
  driftItems: number;
  driftRounds: number;
  /** The listener's drift sampling interval (the alarm's period). */
  driftIntervalSeconds: number;
  /** No report from any listener for this long: the host or the process is gone. */
  heartbeatMissingMinutes: number;
  /** Feature store: no load published a version for this long ("a day and a bit"). */
  featureLoadMaxAgeHours: number;
  /** Replica DNS: this many held runs within the window. */
  keeperHeldRuns: number;
  keeperHeldWindowMinutes: number;
  /** Command gateway: errors (5xx) and refusals as a share of requests, over the window. */
  gatewayErrorPercent: number;
  gatewayRefusalPercent: number;
  gatewayRateMinutes: number;
  /** Subscription streams closed for a consumer that fell behind, tolerated in five minutes. */
  slowConsumers: number;
}

export const defaultDataPathAlarms: DataPathAlarmThresholds = {
  feedLagP99Ms: 60_000,
  feedLagMinutes: 5,
  oldestUnconfirmedSeconds: 300,
  deadLetters: 0,
  deafMinutes: 5,
  driftItems: 0,
  driftRounds: 2,
  driftIntervalSeconds: 300,
  heartbeatMissingMinutes: 5,
  featureLoadMaxAgeHours: 26,
  keeperHeldRuns: 3,
  keeperHeldWindowMinutes: 15,
  gatewayErrorPercent: 5,
  gatewayRefusalPercent: 50,
  gatewayRateMinutes: 15,
  slowConsumers: 10,
};

/** What a rule compares: one metric's statistic over its path's total series, or a share (percent) of the gateway's requests. */
export type AlarmMeasure = { metric: MetricName; statistic: "Sum" | "Maximum" | "SampleCount" } | { shareOfRequests: "Errors" | "Refusals" };
export type AlarmComparison = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";

export interface AlarmRule {
  id: string;
  path: DataPath;
  /** The heading's anchor in the runbook document. */
  runbook: string;
  meaning: string;
  measure: AlarmMeasure;
  periodSeconds: number;
  threshold: number;
  /** How many periods in a row must breach. */
  evaluationPeriods: number;
  comparison: AlarmComparison;
  /** A period without data: breaching (a heartbeat that stopped) or not (no dead letters reported). */
  missingData: "breaching" | "notBreaching";
}

const minutes = (n: number) => n * 60;
const above = "GreaterThanThreshold";
const rule = (r: Omit<AlarmRule, "missingData"> & Partial<Pick<AlarmRule, "missingData">>): AlarmRule => ({ missingData: "notBreaching", ...r });
const of = (metric: MetricName, statistic: "Sum" | "Maximum" | "SampleCount") => ({ metric, statistic });

const changeFeedRules = (t: DataPathAlarmThresholds): AlarmRule[] => [
  rule({
    id: "feed-lag",
    path: "change-feed",
    runbook: "feed-lag",
    meaning: `The change feed's worst mapping lags more than ${t.feedLagP99Ms} ms (p99) for ${t.feedLagMinutes} minutes`,
    measure: of("LagP99", "Maximum"),
    periodSeconds: 60,
    threshold: t.feedLagP99Ms,
    evaluationPeriods: t.feedLagMinutes,
    comparison: above,
  }),
  rule({
    id: "feed-oldest-unconfirmed",
    path: "change-feed",
    runbook: "feed-oldest-unconfirmed",
    meaning: `A journal entry has waited more than ${t.oldestUnconfirmedSeconds} s for its sink's confirmation`,
    measure: of("OldestUnconfirmedAge", "Maximum"),
    periodSeconds: 60,
    threshold: t.oldestUnconfirmedSeconds,
    evaluationPeriods: 3,
    comparison: above,
  }),
  rule({
    id: "feed-dead-letters",
    path: "change-feed",
    runbook: "feed-dead-letters",
    meaning: `More than ${t.deadLetters} items were dead-lettered in five minutes: they can never be written as they are`,
    measure: of("DeadLetters", "Sum"),
    periodSeconds: 300,
    threshold: t.deadLetters,
    evaluationPeriods: 1,
    comparison: above,
  }),
  rule({
    id: "feed-deaf",
    path: "change-feed",
    runbook: "feed-deaf",
    meaning: `The listener has heard no keyspace notification from a primary for ${t.deafMinutes} minutes: only rescans copy changes`,
    measure: of("Deaf", "Maximum"),
    periodSeconds: 60,
    threshold: 0,
    evaluationPeriods: t.deafMinutes,
    comparison: above,
  }),
  rule({
    id: "feed-drift",
    path: "change-feed",
    runbook: "feed-drift",
    meaning: `Sampled items differ between Redis and DynamoDB for ${t.driftRounds} rounds in a row: something was lost`,
    measure: of("Drift", "Maximum"),
    periodSeconds: t.driftIntervalSeconds,
    threshold: t.driftItems,
    evaluationPeriods: t.driftRounds,
    comparison: above,
  }),
  rule({
    id: "feed-mapping-refused",
    path: "change-feed",
    runbook: "feed-mapping-refused",
    meaning: "A change-feed mapping is refused (not valid, or its table is missing): its keys are not copied",
    measure: of("MappingsRefused", "Maximum"),
    periodSeconds: 60,
    threshold: 0,
    evaluationPeriods: 1,
    comparison: above,
  }),
  rule({
    id: "listener-host-unhealthy",
    path: "change-feed",
    runbook: "listener-host-unhealthy",
    meaning: `No listener has reported for ${t.heartbeatMissingMinutes} minutes: the host, the agent or the process is gone`,
    measure: of("Heartbeat", "SampleCount"),
    periodSeconds: 60,
    threshold: 1,
    evaluationPeriods: t.heartbeatMissingMinutes,
    comparison: "LessThanThreshold",
    missingData: "breaching",
  }),
];

const featureStoreRules = (t: DataPathAlarmThresholds): AlarmRule[] => [
  rule({
    id: "feature-load-stale",
    path: "feature-store",
    runbook: "feature-load-stale",
    meaning: `No feature load has published a version for ${t.featureLoadMaxAgeHours} hours: the reader serves an old file`,
    // Hourly periods: an alarm's window may span seven days only when its period is an hour or more.
    measure: of("LoadSucceeded", "Sum"),
    periodSeconds: 3_600,
    threshold: 1,
    evaluationPeriods: t.featureLoadMaxAgeHours,
    comparison: "LessThanThreshold",
    missingData: "breaching",
  }),
  rule({
    id: "feature-load-failed",
    path: "feature-store",
    runbook: "feature-load-failed",
    meaning: "A feature load failed or was refused (a bad, truncated or shrunken file): the previous version keeps serving",
    measure: of("LoadFailed", "Sum"),
    periodSeconds: 300,
    threshold: 0,
    evaluationPeriods: 1,
    comparison: above,
  }),
];

const replicaDnsRules = (t: DataPathAlarmThresholds): AlarmRule[] => [
  rule({
    id: "keeper-held",
    path: "replica-dns",
    runbook: "keeper-held",
    meaning: `The replica DNS keeper held ${t.keeperHeldRuns} runs or more in ${t.keeperHeldWindowMinutes} minutes: replicaN may point at the wrong node`,
    measure: of("KeeperHeld", "Sum"),
    periodSeconds: minutes(t.keeperHeldWindowMinutes),
    threshold: t.keeperHeldRuns,
    evaluationPeriods: 1,
    comparison: "GreaterThanOrEqualToThreshold",
  }),
];

const commandGatewayRules = (t: DataPathAlarmThresholds): AlarmRule[] => [
  rule({
    id: "gateway-errors",
    path: "command-gateway",
    runbook: "gateway-errors",
    meaning: `More than ${t.gatewayErrorPercent}% of the gateway's requests failed (5xx) over ${t.gatewayRateMinutes} minutes`,
    measure: { shareOfRequests: "Errors" },
    periodSeconds: minutes(t.gatewayRateMinutes),
    threshold: t.gatewayErrorPercent,
    evaluationPeriods: 1,
    comparison: above,
  }),
  rule({
    id: "gateway-refusals",
    path: "command-gateway",
    runbook: "gateway-refusals",
    meaning: `More than ${t.gatewayRefusalPercent}% of the gateway's requests were refused over ${t.gatewayRateMinutes} minutes`,
    measure: { shareOfRequests: "Refusals" },
    periodSeconds: minutes(t.gatewayRateMinutes),
    threshold: t.gatewayRefusalPercent,
    evaluationPeriods: 1,
    comparison: above,
  }),
  rule({
    id: "gateway-slow-consumers",
    path: "command-gateway",
    runbook: "gateway-slow-consumers",
    meaning: `More than ${t.slowConsumers} subscription streams were closed in five minutes for a consumer that could not keep up`,
    measure: of("SlowConsumers", "Sum"),
    periodSeconds: 300,
    threshold: t.slowConsumers,
    evaluationPeriods: 1,
    comparison: above,
  }),
];

const rulesOfPath: Record<DataPath, (t: DataPathAlarmThresholds) => AlarmRule[]> = {
  "change-feed": changeFeedRules,
  "feature-store": featureStoreRules,
  "replica-dns": replicaDnsRules,
  "command-gateway": commandGatewayRules,
};

/** The alarm rules of the given paths, in the order above. */
export const dataPathAlarmRules = (t: DataPathAlarmThresholds, paths: readonly DataPath[]): AlarmRule[] =>
  (Object.keys(rulesOfPath) as DataPath[]).filter((p) => paths.includes(p)).flatMap((p) => rulesOfPath[p](t));

/** The metric a rule reads (a share reads its part and the requests). */
export const metricsOfRule = (r: AlarmRule): MetricName[] => ("metric" in r.measure ? [r.measure.metric] : [r.measure.shareOfRequests, "Requests"]);

/** Whether a period's figure breaches the rule. */
export function breaches(r: AlarmRule, figure: number): boolean {
  if (r.comparison === "GreaterThanThreshold") return figure > r.threshold;
  if (r.comparison === "GreaterThanOrEqualToThreshold") return figure >= r.threshold;
  return figure < r.threshold;
}
