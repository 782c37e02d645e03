// The data paths' alarms: each rule of domain/runtime/alarm-rules.ts (the status page evaluates the
// same rules locally) as a CloudWatch alarm on the metrics every process reports, its description
// naming its runbook entry.
import { Construct } from "constructs";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { dataPathAlarmRules, type AlarmRule, type DataPathAlarmThresholds } from "../../domain/runtime/alarm-rules.js";
import { metricNamespace, pathDimension, type DataPath, type MetricName } from "../../domain/runtime/metrics.js";

/** Where the runbooks are (the README's documentation map links it); each entry is a heading there. */
export const runbookDocument = "docs/operating.md";

type AlarmSpec = Omit<CloudwatchMetricAlarmConfig, "alarmName" | "alarmDescription" | "alarmActions" | "okActions">;

/** A share of the gateway's requests, in percent, as metric math. */
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

/** A rule as CloudWatch takes it: one metric under its path alone (the total across mappings and reasons), or metric math. */
export function alarmSpecOf(rule: AlarmRule): AlarmSpec {
  const { measure, periodSeconds: period } = rule;
  const compared = {
    threshold: rule.threshold,
    evaluationPeriods: rule.evaluationPeriods,
    comparisonOperator: rule.comparison,
    treatMissingData: rule.missingData,
  };
  if ("shareOfRequests" in measure) return { metricQuery: shareOfRequests(measure.shareOfRequests, period), ...compared };
  const dimensions = { [pathDimension]: rule.path };
  return { namespace: metricNamespace, metricName: measure.metric, statistic: measure.statistic, period, dimensions, ...compared };
}

export class DataPathAlarms extends Construct {
  readonly alarms: CloudwatchMetricAlarm[];

  constructor(scope: Construct, id: string, props: { name: string; topic: SnsTopic; thresholds: DataPathAlarmThresholds; paths: DataPath[] }) {
    super(scope, id);
    this.alarms = dataPathAlarmRules(props.thresholds, props.paths).map(
      (rule) =>
        new CloudwatchMetricAlarm(this, rule.id, {
          ...alarmSpecOf(rule),
          alarmName: `${props.name}-${rule.id}`,
          alarmDescription: `${rule.meaning}. Runbook: ${runbookDocument}#${rule.runbook}`,
          alarmActions: [props.topic.arn],
          okActions: [props.topic.arn],
        }),
    );
  }
}
