import { expect } from "chai";
import { breaches, dataPathAlarmRules, defaultDataPathAlarms, metricsOfRule } from "../../../../domain/runtime/alarm-rules.js";
import { dataPaths, metricCatalog } from "../../../../domain/runtime/metrics.js";

describe("domain/runtime/alarm-rules: one rule list for the deployed alarms and the local verdicts", () => {
  const rules = dataPathAlarmRules(defaultDataPathAlarms, dataPaths);

  it("every rule reads metrics its own path reports, and names a runbook entry", () => {
    for (const rule of rules) {
      for (const name of metricsOfRule(rule)) expect(metricCatalog[name].path, `${rule.id} reads ${name}`).to.equal(rule.path);
      expect(rule.runbook).to.match(/^[a-z-]+$/);
    }
    expect(new Set(rules.map((r) => r.id)).size).to.equal(rules.length);
  });

  it("a path switched off has no rules; the comparison follows the rule", () => {
    expect(dataPathAlarmRules(defaultDataPathAlarms, ["replica-dns"]).map((r) => r.id)).to.deep.equal(["keeper-held"]);
    const held = rules.find((r) => r.id === "keeper-held")!;
    expect([breaches(held, 2), breaches(held, 3)]).to.deep.equal([false, true]);
    const heartbeat = rules.find((r) => r.id === "listener-host-unhealthy")!;
    expect([breaches(heartbeat, 0), breaches(heartbeat, 1)]).to.deep.equal([true, false]);
  });
});
