// The policy suite: named rules in the spirit of checkov and trivy, run over every resource of the
// synthesized Terraform JSON. Each rule names the checkov id it follows, when there is one.

import { computeRules } from "./compute-rules.js";
import { dataRules } from "./data-rules.js";
import { databaseRules } from "./database-rules.js";
import { deployRules } from "./deploy-rules.js";
import { networkRules } from "./network-rules.js";
import { operabilityRules } from "./operability-rules.js";
import { streamingRules } from "./streaming-rules.js";
import { resources, type PolicyFinding, type PolicyRule, type TerraformJson } from "./terraform-json.js";

export type { PolicyFinding, PolicyRule, ResourceConfig, TerraformJson } from "./terraform-json.js";

export const rules: PolicyRule[] = [...dataRules, ...databaseRules, ...computeRules, ...networkRules, ...deployRules, ...operabilityRules, ...streamingRules];

export interface PolicyReport {
  rulesRun: number;
  resourcesChecked: number;
  checks: number;
  findings: PolicyFinding[];
}

/** Runs every rule over every resource of its types. */
export function runPolicy(all: TerraformJson, ruleSet: PolicyRule[] = rules): PolicyReport {
  const findings: PolicyFinding[] = [];
  let checks = 0;
  for (const rule of ruleSet) {
    for (const type of rule.types) {
      for (const [name, resource] of resources(all, type)) {
        checks++;
        const message = rule.check(resource, name, all);
        if (message) findings.push({ rule: rule.id, resource: `${type}.${name}`, message });
      }
    }
  }
  const total = Object.values(all.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  return { rulesRun: ruleSet.length, resourcesChecked: total, checks, findings };
}
