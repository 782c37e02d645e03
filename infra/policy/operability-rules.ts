// Rules that keep the system operable: every data path is watched by an alarm on its own metrics,
// every such alarm names its runbook, and no alarm asks CloudWatch for a window it refuses.
import { metricNamespace } from "../../domain/runtime/metrics.js";
import { runbookDocument } from "../constructs/data-path-alarms.js";
import { dataPathTag } from "../conventions.js";
import { list, resources, type PolicyRule, type ResourceConfig } from "./terraform-json.js";

/** The data paths an alarm watches: the `service` dimension of its metrics in our namespace. */
function pathsWatchedBy(alarm: ResourceConfig): string[] {
  const metrics = [alarm, ...list<{ metric?: ResourceConfig }>(alarm.metric_query).map((q) => q.metric ?? {})];
  return metrics
    .filter((m) => m.namespace === metricNamespace)
    .map((m) => (m.dimensions as Record<string, string> | undefined)?.service)
    .filter((p): p is string => typeof p === "string");
}

const tagOf = (r: ResourceConfig): string | undefined => {
  const tags = (r.tags as Record<string, string> | undefined) ?? {};
  return tags[dataPathTag] ?? list<{ key?: string; value?: string }>(r.tag).find((t) => t.key === dataPathTag)?.value;
};

export const operabilityRules: PolicyRule[] = [
  {
    id: "ECP-DATA-PATH-ALARMED",
    title: "every function and host of a data path is watched by at least one alarm on that path's metrics",
    types: ["aws_lambda_function", "aws_autoscaling_group"],
    check: (r, _name, all) => {
      const path = tagOf(r);
      if (!path) return `no ${dataPathTag} tag: which data path does it serve?`;
      const watched = resources(all, "aws_cloudwatch_metric_alarm").some(([, alarm]) => pathsWatchedBy(alarm).includes(path));
      return watched ? undefined : `no alarm watches the ${path} data path's metrics (${metricNamespace}, service=${path})`;
    },
  },
  {
    id: "ECP-ALARM-NAMES-RUNBOOK",
    title: "every alarm names its runbook entry (what woke someone says where to look first)",
    types: ["aws_cloudwatch_metric_alarm"],
    check: (r) =>
      new RegExp(`${runbookDocument}#[a-z-]+`).test(String(r.alarm_description ?? ""))
        ? undefined
        : `its description names no runbook (${runbookDocument}#...)`,
  },
  {
    id: "ECP-ALARM-WINDOW-ALLOWED",
    title: "period x evaluation periods stays within CloudWatch's limits (a day under hourly periods, seven days otherwise)",
    types: ["aws_cloudwatch_metric_alarm"],
    check: (r) => {
      const periods = [Number(r.period), ...list<{ metric?: { period?: number } }>(r.metric_query).map((q) => Number(q.metric?.period))].filter((p) => p > 0);
      const period = Math.max(...periods);
      const window = period * Number(r.evaluation_periods ?? 1);
      const limit = period < 3_600 ? 86_400 : 604_800;
      return window > limit ? `its window is ${window} s; CloudWatch allows ${limit} s with ${period} s periods` : undefined;
    },
  },
];
