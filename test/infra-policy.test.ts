import { expect } from "chai";
import { rules, runPolicy } from "../infra/policy/rules.js";
import { of, synth, withSqlDestinations, type Json } from "./harness/synth.js";
import { bad } from "./fixtures/policy-bad-resources.js";

describe("infrastructure policy suite (named rules over the synthesized Terraform JSON)", function () {
  this.timeout(60_000);
  let json: Json;
  let sqlJson: Json;
  before(() => {
    json = synth();
    sqlJson = synth(withSqlDestinations());
  });

  it("every rule passes on every synthesized resource, the default stack's and one with both SQL destinations on", () => {
    for (const stack of [json, sqlJson]) {
      const report = runPolicy(stack);
      console.log(`      policy: ${report.rulesRun} rules ran over ${report.resourcesChecked} resources (${report.checks} checks)`);
      expect(report.findings).to.deep.equal([]);
    }
    for (const rule of rules) {
      const covered = rule.types.some((t) => of(json, t).length > 0 || of(sqlJson, t).length > 0);
      expect(covered, `${rule.id} found no resource to check`).to.equal(true);
    }
  });

  it("has a deliberately bad resource for every rule", () => {
    expect(Object.keys(bad).sort()).to.deep.equal(rules.map((r) => r.id).sort());
  });
  for (const rule of rules) {
    it(`${rule.id} catches a bad resource${rule.checkov ? ` (${rule.checkov})` : ""}`, () => {
      const findings = runPolicy(bad[rule.id] ?? {}, [rule]).findings;
      expect(findings, rule.title).to.have.length.greaterThan(0);
      expect(findings[0].message).to.be.a("string").and.not.equal("");
    });
  }
  it("ECP-ALARM-NAMES-RUNBOOK also catches an alarm on AWS's own metrics (a cache node's CPU) that names no runbook", () => {
    const cpu = { namespace: "AWS/ElastiCache", metric_name: "EngineCPUUtilization", dimensions: { CacheClusterId: "ecp-001" }, alarm_description: "busy" };
    const findings = runPolicy(
      { resource: { aws_cloudwatch_metric_alarm: { cpu } } },
      rules.filter((r) => r.id === "ECP-ALARM-NAMES-RUNBOOK"),
    ).findings;
    expect(findings.map((f) => f.resource)).to.deep.equal(["aws_cloudwatch_metric_alarm.cpu"]);
  });

  it("ECP-BOOT-AFTER-ARTIFACTS also catches a secret the host reads whose value does not exist yet", () => {
    const policy = JSON.stringify({
      Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: "${aws_secretsmanager_secret.auth.arn}" }],
    });
    const host = {
      resource: {
        aws_secretsmanager_secret: { auth: {} },
        aws_secretsmanager_secret_version: { auth: { secret_id: "${aws_secretsmanager_secret.auth.id}" } },
        aws_iam_role: { r: {} },
        aws_iam_role_policy: { p: { role: "${aws_iam_role.r.id}", policy } },
        aws_iam_instance_profile: { i: { role: "${aws_iam_role.r.name}" } },
        aws_launch_template: { t: { iam_instance_profile: { name: "${aws_iam_instance_profile.i.name}" } } },
        aws_autoscaling_group: { g: { launch_template: { id: "${aws_launch_template.t.id}" }, depends_on: ["aws_iam_role_policy.p"] } },
      },
    };
    const rule = rules.filter((r) => r.id === "ECP-BOOT-AFTER-ARTIFACTS");
    expect(runPolicy(host, rule).findings.map((f) => f.message)).to.deep.equal(["depends_on lacks aws_secretsmanager_secret_version.auth"]);
    host.resource.aws_autoscaling_group.g.depends_on.push("aws_secretsmanager_secret_version.auth");
    expect(runPolicy(host, rule).findings).to.deep.equal([]);
  });
  it("ECP-API-KEY-OUTLIVES-A-WEEK: a week or less is caught, a year kept by later plans passes", () => {
    const key = (expires: string, ignore: string[] = ["expires"]) => ({
      resource: { aws_appsync_api_key: { k: { expires: `\${timeadd(timestamp(), "${expires}")}`, lifecycle: { ignore_changes: ignore } } } },
    });
    const rule = rules.filter((r) => r.id === "ECP-API-KEY-OUTLIVES-A-WEEK");
    expect(runPolicy(key("168h"), rule).findings[0].message).to.equal("expires 168 h after creation: not more than a week");
    expect(runPolicy(key("8760h", []), rule).findings[0].message).to.match(/moves on every plan/);
    expect(runPolicy(key("8760h"), rule).findings).to.deep.equal([]);
  });
  it("the destroy rules accept a resource a setting deliberately keeps (the retain tag)", () => {
    const kept = { resource: { aws_dynamodb_table: { t: { deletion_protection_enabled: true, tags: { "ecp:retain-on-destroy": "true" } } } } };
    expect(
      runPolicy(
        kept,
        rules.filter((r) => r.id === "ECP-DESTROYABLE-TABLE"),
      ).findings,
    ).to.deep.equal([]);
  });
  it("the schema rule accepts an auth mode a field uses", () => {
    const used = {
      resource: {
        aws_appsync_graphql_api: {
          a: { schema: "type Query { read: String @aws_iam }", additional_authentication_provider: [{ authentication_type: "AWS_IAM" }] },
        },
      },
    };
    expect(
      runPolicy(
        used,
        rules.filter((r) => r.id === "ECP-APPSYNC-SCHEMA-ACCEPTED"),
      ).findings,
    ).to.deep.equal([]);
  });
  it("allows a Deny with s3:* (the TLS-only bucket policy) but not an Allow", () => {
    const deny = {
      resource: { aws_s3_bucket_policy: { p: { policy: JSON.stringify({ Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }] }) } } },
    };
    expect(
      runPolicy(
        deny,
        rules.filter((r) => r.id === "ECP-IAM-NO-WILDCARD-ACTIONS"),
      ).findings,
    ).to.deep.equal([]);
  });
});
