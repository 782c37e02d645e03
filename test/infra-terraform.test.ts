import { expect } from "chai";
import {
  jsonLines,
  offlineStack,
  providerMirror,
  rewrites,
  runOnlyIfPresent,
  terraformMissing,
  waitsFor,
  type Mirror,
  type OfflineStack,
} from "./harness/terraform.js";

// Every configuration shape the stack synthesizes: the defaults, and the other engine with the feature
// store's own cluster-mode group and the keeper's reserved concurrency, and both SQL destinations
// on: an Aurora cluster per engine behind RDS Proxy.
const stacks: [string, NodeJS.ProcessEnv][] = [
  ["the defaults (Valkey)", {}],
  [
    "Redis OSS, a cluster-mode feature store, a reserved keeper",
    { ECP_ENGINE: "redis", ECP_FEATURE_STORE_CLUSTER: "true", ECP_KEEPER_RESERVED_CONCURRENCY: "1" },
  ],
  ["Aurora PostgreSQL and Aurora MySQL destinations", { ECP_POSTGRES: "aurora", ECP_MYSQL: "aurora" }],
];

describe("the real Terraform binary over every synthesized stack: validate and an offline plan against the AWS provider's own schema", function () {
  this.timeout(180_000);

  before(function () {
    runOnlyIfPresent(this, "real Terraform suite", terraformMissing());
  });

  it("names each rewrite of the offline copy once, with its reason", () => {
    expect(rewrites.map((r) => r.name)).to.deep.equal([
      "pin the mirrored AWS provider",
      "data.aws_region.*.region -> .name",
      "random_password -> terraform_data",
      "a streaming integration as 5.100 knows one (no response_transfer_mode, a 300 s timeout)",
      "an offline provider",
      "no backend",
    ]);
    for (const rewrite of rewrites) expect(rewrite.why, rewrite.name).to.have.length.above(20);
  });

  for (const [what, environment] of stacks) {
    describe(what, () => {
      let stack: OfflineStack;
      before(() => {
        stack = offlineStack(environment, providerMirror() as Mirror);
      });

      it("terraform validate: valid, no errors, no warnings", () => {
        const run = stack.terraform("validate", "-json", "-no-color");
        const report = JSON.parse(run.stdout) as { valid: boolean; error_count: number; warning_count: number; diagnostics: unknown[] };
        expect(report, JSON.stringify(report.diagnostics, null, 2)).to.deep.include({ valid: true, error_count: 0, warning_count: 0 });
      });

      it("terraform plan (offline): creates every synthesized resource, no errors, no warnings", () => {
        const run = stack.terraform("plan", "-input=false", "-lock=false", "-refresh=false", "-json", "-no-color");
        const lines = jsonLines(run.stdout);
        const problems = lines.filter((l) => l["@level"] === "warn" || l["@level"] === "error").map((l) => l["@message"]);
        expect(problems, run.stderr).to.deep.equal([]);
        expect(run.status, run.stderr).to.equal(0);
        const resources = Object.values(stack.json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
        const summary = lines.find((l) => l.type === "change_summary")?.changes;
        console.log(`      plan: ${summary?.add} to add (${resources} resources synthesized)`);
        expect(summary).to.deep.include({ add: resources, change: 0, remove: 0 });
        expect(resources).to.be.above(140);
      });

      it("terraform graph: the ordering the policy rules claim is in Terraform's own dependency graph", () => {
        const dependsOn = waitsFor(stack.terraform("graph").stdout);
        const addresses = (type: string) => Object.keys(stack.json.resource?.[type] ?? {}).map((name) => `${type}.${name}`);
        const [group] = addresses("aws_autoscaling_group");
        const groupNeeds = dependsOn(group);
        for (const needed of [
          ...addresses("aws_s3_object"),
          ...addresses("aws_route_table_association"),
          ...addresses("aws_vpc_security_group_egress_rule").filter((a) => a.includes("listener")),
        ]) {
          expect(groupNeeds.has(needed), `${group} -> ${needed}`).to.equal(true);
        }
        for (const object of addresses("aws_s3_object")) {
          const needs = [...dependsOn(object)];
          expect(
            needs.some((n) => n.startsWith("aws_s3_bucket_versioning.")),
            `${object} -> versioning`,
          ).to.equal(true);
          expect(
            needs.some((n) => n.startsWith("aws_s3_bucket_server_side_encryption_configuration.")),
            `${object} -> encryption`,
          ).to.equal(true);
        }
      });
    });
  }
});
