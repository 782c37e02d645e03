// `make synth` runs this over cdktf.out: every rule over every resource; any finding fails the build.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runPolicy, type TerraformJson } from "./rules.js";

let failed = false;
for (const stack of readdirSync(join("cdktf.out", "stacks"))) {
  const json = JSON.parse(readFileSync(join("cdktf.out", "stacks", stack, "cdk.tf.json"), "utf8")) as TerraformJson;
  const report = runPolicy(json);
  console.log(
    `policy: ${report.rulesRun} rules ran over ${report.resourcesChecked} resources of ${stack} (${report.checks} checks), ${report.findings.length} findings`,
  );
  for (const f of report.findings) console.log(`  ${f.rule}  ${f.resource}: ${f.message}`);
  failed ||= report.findings.length > 0;
}
if (failed) process.exit(1);
