// Each data path's verdict from its alarm rules, evaluated over whatever metrics are at hand (the local
// status page's registry): a rule whose every period breaches is an alarm (the path is failing), one
// whose latest period breaches is on its way (degraded). Periods from before the data began, with no
// data in them, are unknown rather than breaching: a restarted stack is not a silent one.
import { breaches, metricsOfRule, type AlarmRule } from "./alarm-rules.js";
import type { DataPath, MetricName } from "./metrics.js";

export type RuleState = "ok" | "breaching" | "alarm" | "unknown";
export type PathVerdict = "ok" | "degraded" | "failing";

/** The values a path's total series of `metric` holds in [from, to), oldest first (empty when none). */
export type ValuesIn = (metric: MetricName, from: number, to: number) => number[];

export interface RuleEvaluation {
  rule: AlarmRule;
  state: RuleState;
  /** The latest period's figure, when it had one. */
  figure?: number;
}

const statistic = (name: "Sum" | "Maximum" | "SampleCount", values: number[]) =>
  name === "Sum" ? values.reduce((a, b) => a + b, 0) : name === "Maximum" ? Math.max(...values) : values.length;

/** One period's figure; undefined when the period has no data. */
function figureIn(rule: AlarmRule, valuesIn: ValuesIn, from: number, to: number): number | undefined {
  const { measure } = rule;
  if ("metric" in measure) {
    const values = valuesIn(measure.metric, from, to);
    return values.length ? statistic(measure.statistic, values) : undefined;
  }
  // As the deployed metric math: IF(requests > 0, 100 * FILL(part, 0) / requests, 0).
  const [part, requests] = metricsOfRule(rule).map((m) => statistic("Sum", valuesIn(m, from, to)));
  return requests > 0 ? (100 * part) / requests : 0;
}

/** A rule over the periods that end now, given when the data began (`since`). */
export function evaluateRule(rule: AlarmRule, valuesIn: ValuesIn, now: number, since: number): RuleEvaluation {
  const period = rule.periodSeconds * 1000;
  let breached = 0;
  let latest: { breach: boolean; figure?: number } | undefined;
  for (let k = 0; k < rule.evaluationPeriods; k++) {
    const [from, to] = [now - (k + 1) * period, now - k * period];
    if (to <= since) break;
    const figure = figureIn(rule, valuesIn, Math.max(from, since), to);
    // No data in a period that began before the data did: nothing is known of it.
    if (figure === undefined && from < since) break;
    const breach = figure === undefined ? rule.missingData === "breaching" : breaches(rule, figure);
    latest ??= { breach, figure };
    if (!breach) break;
    breached++;
  }
  const state: RuleState = !latest ? "unknown" : breached === rule.evaluationPeriods ? "alarm" : latest.breach ? "breaching" : "ok";
  return { rule, state, ...(latest?.figure === undefined ? {} : { figure: latest.figure }) };
}

export interface PathStatus {
  path: DataPath;
  verdict: PathVerdict;
  /** The rules that are not ok, as sentences naming their runbook entries. */
  reasons: string[];
  rules: RuleEvaluation[];
}

/** Every path's verdict: failing when one of its rules is an alarm, degraded when one is breaching. */
export function pathVerdicts(rules: AlarmRule[], paths: readonly DataPath[], valuesIn: ValuesIn, now: number, since: number): PathStatus[] {
  return paths.map((path) => {
    const evaluated = rules.filter((r) => r.path === path).map((r) => evaluateRule(r, valuesIn, now, since));
    const alarms = evaluated.filter((e) => e.state === "alarm");
    const breaching = evaluated.filter((e) => e.state === "breaching");
    const verdict: PathVerdict = alarms.length ? "failing" : breaching.length ? "degraded" : "ok";
    const reasons = [...alarms, ...breaching].map((e) => `${e.rule.meaning} (${e.state}; runbook: ${e.rule.runbook})`);
    return { path, verdict, reasons, rules: evaluated };
  });
}
