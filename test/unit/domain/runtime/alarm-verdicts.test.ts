import { expect } from "chai";
import { dataPathAlarmRules, defaultDataPathAlarms } from "../../../../domain/runtime/alarm-rules.js";
import { evaluateRule, pathVerdicts, type ValuesIn } from "../../../../domain/runtime/alarm-verdicts.js";
import { dataPaths, type MetricName } from "../../../../domain/runtime/metrics.js";

const rules = dataPathAlarmRules(defaultDataPathAlarms, dataPaths);
const ruleOf = (id: string) => rules.find((r) => r.id === id)!;
const minute = 60_000;

/** Points of each metric at given times (ms). */
function valuesFrom(points: Partial<Record<MetricName, [number, number][]>>): ValuesIn {
  return (metric, from, to) => (points[metric] ?? []).filter(([at]) => at >= from && at < to).map(([, v]) => v);
}

describe("domain/runtime/alarm-verdicts: each path's verdict from its alarm rules", () => {
  const now = 100 * minute;

  it("a rule is an alarm when every period breaches, breaching when the latest does, ok otherwise", () => {
    const lag = ruleOf("feed-lag"); // above 60 s for 5 one-minute periods
    const high = (minutes: number) => Array.from({ length: minutes }, (_, i) => [now - i * minute - 1_000, 90_000] as [number, number]);
    expect(evaluateRule(lag, valuesFrom({ LagP99: high(5) }), now, 0).state).to.equal("alarm");
    expect(evaluateRule(lag, valuesFrom({ LagP99: high(2) }), now, 0)).to.deep.include({ state: "breaching", figure: 90_000 });
    expect(evaluateRule(lag, valuesFrom({ LagP99: [[now - 1_000, 10]] }), now, 0).state).to.equal("ok");
  });

  it("missing data counts as the rule says, but periods before the data began are unknown, not breaching", () => {
    const heartbeat = ruleOf("listener-host-unhealthy");
    // The stack started 10 minutes ago and no listener ever reported: breaching in every period.
    expect(evaluateRule(heartbeat, valuesFrom({}), now, now - 10 * minute).state).to.equal("alarm");
    // It started 30 s ago: the first period began before any data could exist.
    expect(evaluateRule(heartbeat, valuesFrom({}), now, now - 30_000).state).to.equal("unknown");
    // A restarted stack with no load yet: the day-long rule knows nothing, it is not a stale store.
    expect(evaluateRule(ruleOf("feature-load-stale"), valuesFrom({}), now, now - 5 * minute).state).to.equal("unknown");
    // A dead letter a minute after the start is seen at once (one period of five minutes, partly before the start).
    expect(evaluateRule(ruleOf("feed-dead-letters"), valuesFrom({ DeadLetters: [[now - 1_000, 1]] }), now, now - minute).state).to.equal("alarm");
  });

  it("the gateway's shares follow the deployed metric math; a path's verdict names its rules' meanings and runbooks", () => {
    const values = valuesFrom({ Requests: [[now - 1_000, 10]], Refusals: [[now - 1_000, 6]], Errors: [[now - 1_000, 0]] });
    const [gateway] = pathVerdicts(rules, ["command-gateway"], values, now, 0);
    expect(gateway.verdict).to.equal("failing");
    expect(gateway.reasons).to.deep.equal(["More than 50% of the gateway's requests were refused over 15 minutes (alarm; runbook: gateway-refusals)"]);
    expect(pathVerdicts(rules, ["command-gateway"], valuesFrom({}), now, 0)[0].verdict).to.equal("ok");
  });
});
