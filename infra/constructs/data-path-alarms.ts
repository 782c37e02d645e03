// The data paths' alarms, on the metrics every process reports (domain/runtime/metrics.ts), each
// with its threshold from infra/config.ts and a description naming its runbook entry.
import { Construct } from "constructs";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import type { DataPathAlarmThresholds } from "../alarm-thresholds.js";
import { metricCatalog, metricNamespace, pathDimension, type DataPath, type MetricName } from "../../domain/runtime/metrics.js";

/** Where the runbooks are (the README's documentation map links it); each entry is a heading there. */
export const runbookDocument = "docs/operating.md";

export interface DataPathAlarm {
  id: string;
  path: DataPath;
  /** The heading's anchor in the runbook document. */
  runbook: string;
  meaning: string;
  spec: Omit<CloudwatchMetricAlarmConfig, "alarmName" | "alarmDescription" | "alarmActions" | "okActions">;
}

const minutes = (n: number) => n * 60;

/** One metric of the catalog, under its path alone (the total, or the worst, across mappings and reasons). */
function metric(name: MetricName, statistic: string, period: number) {
  return { namespace: metricNamespace, metricName: name, statistic, period, dimensions: { [pathDimension]: metricCatalog[name].path } };
}

/** A share of the gateway's requests, in percent, for a math alarm. */
function shareOfRequests(name: "Errors" | "Refusals", period: number) {
  const query = (id: string, metricName: MetricName) => ({
    id,
    metric: { namespace: metricNamespace, metricName, stat: "Sum", period, dimensions: { [pathDimension]: "command-gateway" } },
  });
  return [
    query("part", name),
    query("requests", "Requests"),
    { id: "share", expression: "IF(requests > 0, 100 * FILL(part, 0) / requests, 0)", returnData: true },
  ];
}

const above = "GreaterThanThreshold";

const changeFeedAlarms = (t: DataPathAlarmThresholds): DataPathAlarm[] => [
  {
    id: "feed-lag",
    path: "change-feed",
    runbook: "feed-lag",
    meaning: `The change feed's worst mapping lags more than ${t.feedLagP99Ms} ms (p99) for ${t.feedLagMinutes} minutes`,
    spec: { ...metric("LagP99", "Maximum", 60), threshold: t.feedLagP99Ms, evaluationPeriods: t.feedLagMinutes, comparisonOperator: above },
  },
  {
    id: "feed-oldest-unconfirmed",
    path: "change-feed",
    runbook: "feed-oldest-unconfirmed",
    meaning: `A journal entry has waited more than ${t.oldestUnconfirmedSeconds} s for its sink's confirmation`,
    spec: { ...metric("OldestUnconfirmedAge", "Maximum", 60), threshold: t.oldestUnconfirmedSeconds, evaluationPeriods: 3, comparisonOperator: above },
  },
  {
    id: "feed-dead-letters",
    path: "change-feed",
    runbook: "feed-dead-letters",
    meaning: `More than ${t.deadLetters} items were dead-lettered in five minutes: they can never be written as they are`,
    spec: { ...metric("DeadLetters", "Sum", 300), threshold: t.deadLetters, evaluationPeriods: 1, comparisonOperator: above },
  },
  {
    id: "feed-deaf",
    path: "change-feed",
    runbook: "feed-deaf",
    meaning: `The listener has heard no keyspace notification from a primary for ${t.deafMinutes} minutes: only rescans copy changes`,
    spec: { ...metric("Deaf", "Maximum", 60), threshold: 0, evaluationPeriods: t.deafMinutes, comparisonOperator: above },
  },
  {
    id: "feed-drift",
    path: "change-feed",
    runbook: "feed-drift",
    meaning: `Sampled items differ between Redis and DynamoDB for ${t.driftRounds} rounds in a row: something was lost`,
    spec: {
      ...metric("Drift", "Maximum", t.driftIntervalSeconds),
      threshold: t.driftItems,
      evaluationPeriods: t.driftRounds,
      comparisonOperator: above,
    },
  },
  {
    id: "listener-host-unhealthy",
    path: "change-feed",
    runbook: "listener-host-unhealthy",
    meaning: `No listener has reported for ${t.heartbeatMissingMinutes} minutes: the host, the agent or the process is gone`,
    spec: {
      ...metric("Heartbeat", "SampleCount", 60),
      threshold: 1,
      evaluationPeriods: t.heartbeatMissingMinutes,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    },
  },
];

const featureStoreAlarms = (t: DataPathAlarmThresholds): DataPathAlarm[] => [
  {
    id: "feature-load-stale",
    path: "feature-store",
    runbook: "feature-load-stale",
    meaning: `No feature load has published a version for ${t.featureLoadMaxAgeHours} hours: the reader serves an old file`,
    // Hourly periods: an alarm's window may span seven days only when its period is an hour or more.
    spec: {
      ...metric("LoadSucceeded", "Sum", 3_600),
      threshold: 1,
      evaluationPeriods: t.featureLoadMaxAgeHours,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    },
  },
  {
    id: "feature-load-failed",
    path: "feature-store",
    runbook: "feature-load-failed",
    meaning: "A feature load failed or was refused (a bad, truncated or shrunken file): the previous version keeps serving",
    spec: { ...metric("LoadFailed", "Sum", 300), threshold: 0, evaluationPeriods: 1, comparisonOperator: above, treatMissingData: "notBreaching" },
  },
];

const replicaDnsAlarms = (t: DataPathAlarmThresholds): DataPathAlarm[] => [
  {
    id: "keeper-held",
    path: "replica-dns",
    runbook: "keeper-held",
    meaning: `The replica DNS keeper held ${t.keeperHeldRuns} runs or more in ${t.keeperHeldWindowMinutes} minutes: replicaN may point at the wrong node`,
    spec: {
      ...metric("KeeperHeld", "Sum", minutes(t.keeperHeldWindowMinutes)),
      threshold: t.keeperHeldRuns,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
    },
  },
];

const commandGatewayAlarms = (t: DataPathAlarmThresholds): DataPathAlarm[] => [
  {
    id: "gateway-errors",
    path: "command-gateway",
    runbook: "gateway-errors",
    meaning: `More than ${t.gatewayErrorPercent}% of the gateway's requests failed (5xx) over ${t.gatewayRateMinutes} minutes`,
    spec: {
      metricQuery: shareOfRequests("Errors", minutes(t.gatewayRateMinutes)),
      threshold: t.gatewayErrorPercent,
      evaluationPeriods: 1,
      comparisonOperator: above,
    },
  },
  {
    id: "gateway-refusals",
    path: "command-gateway",
    runbook: "gateway-refusals",
    meaning: `More than ${t.gatewayRefusalPercent}% of the gateway's requests were refused over ${t.gatewayRateMinutes} minutes`,
    spec: {
      metricQuery: shareOfRequests("Refusals", minutes(t.gatewayRateMinutes)),
      threshold: t.gatewayRefusalPercent,
      evaluationPeriods: 1,
      comparisonOperator: above,
    },
  },
];

const alarmsOfPath: Record<DataPath, (t: DataPathAlarmThresholds) => DataPathAlarm[]> = {
  "change-feed": changeFeedAlarms,
  "feature-store": featureStoreAlarms,
  "replica-dns": replicaDnsAlarms,
  "command-gateway": commandGatewayAlarms,
};

/** The alarms of the deployed paths. */
export const dataPathAlarms = (t: DataPathAlarmThresholds, paths: DataPath[]): DataPathAlarm[] =>
  (Object.keys(alarmsOfPath) as DataPath[]).filter((p) => paths.includes(p)).flatMap((p) => alarmsOfPath[p](t));

export class DataPathAlarms extends Construct {
  readonly alarms: CloudwatchMetricAlarm[];

  constructor(scope: Construct, id: string, props: { name: string; topic: SnsTopic; thresholds: DataPathAlarmThresholds; paths: DataPath[] }) {
    super(scope, id);
    this.alarms = dataPathAlarms(props.thresholds, props.paths).map(
      (alarm) =>
        new CloudwatchMetricAlarm(this, alarm.id, {
          treatMissingData: "notBreaching",
          ...alarm.spec,
          alarmName: `${props.name}-${alarm.id}`,
          alarmDescription: `${alarm.meaning}. Runbook: ${runbookDocument}#${alarm.runbook}`,
          alarmActions: [props.topic.arn],
          okActions: [props.topic.arn],
        }),
    );
  }
}
