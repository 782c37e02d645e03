// `make cost` (and a line in `make plan`): each synthesized stack's monthly bill, from the price table
// in infra/cost/prices.ts, at the stated load. `--line` prints one line per stack.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { costTable, estimateMonthlyCost } from "./cost/estimate.js";
import { defaultLoad } from "./cost/load.js";
import { priceTable } from "./cost/prices.js";
import type { TerraformJson } from "./policy/rules.js";

const stacksDir = join("cdktf.out", "stacks");
const oneLine = process.argv.includes("--line");
for (const stack of readdirSync(stacksDir)) {
  const json = JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8")) as TerraformJson;
  const estimate = estimateMonthlyCost(json, priceTable);
  if (oneLine) {
    console.log(
      `${stack}: about $${estimate.idleMonthly.toFixed(2)} a month idle, $${(estimate.idleMonthly + estimate.loadMonthly).toFixed(2)} at the stated load (make cost for the lines)`,
    );
  } else {
    console.log(costTable(estimate, priceTable, `Monthly cost of stack ${stack}`));
    console.log(
      `\nThe load: ${Object.entries(defaultLoad)
        .map(([k, v]) => `${k} ${(v as number).toLocaleString("en-US")}`)
        .join(", ")} a month (infra/cost/estimate.ts).\n`,
    );
  }
}
