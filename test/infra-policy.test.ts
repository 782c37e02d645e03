import { expect } from "chai";
import { rules, runPolicy, type TerraformJson } from "../infra/policy/rules.js";
import { of, synth, type Json } from "./harness/synth.js";

describe("infrastructure policy suite (named rules over the synthesized Terraform JSON)", function () {
  this.timeout(60_000);
  let json: Json;
  before(() => {
    json = synth();
  });

  it("every rule passes on every synthesized resource", () => {
    const report = runPolicy(json);
    console.log(`      policy: ${report.rulesRun} rules ran over ${report.resourcesChecked} resources (${report.checks} checks)`);
    expect(report.findings).to.deep.equal([]);
    for (const rule of rules) {
      const covered = rule.types.some((t) => of(json, t).length > 0);
      expect(covered, `${rule.id} found no resource to check`).to.equal(true);
    }
  });

  // One deliberately bad resource per rule; the rule must catch it.
  const bad: Record<string, TerraformJson> = {
    "ECP-CACHE-AT-REST": { resource: { aws_elasticache_replication_group: { g: { at_rest_encryption_enabled: "false" } } } },
    "ECP-CACHE-IN-TRANSIT": { resource: { aws_elasticache_replication_group: { g: { transit_encryption_enabled: true } } } },
    "ECP-CACHE-DEFAULT-USER-OFF": {
      resource: {
        aws_elasticache_user: { d: { user_id: "ecp-default", user_name: "default", access_string: "on ~* +@all", no_password_required: true } },
        aws_elasticache_user_group: { g: { user_ids: ["${aws_elasticache_user.d.user_id}"] } },
      },
    },
    "ECP-CACHE-USER-HAS-PASSWORD": {
      resource: {
        aws_elasticache_user: { d: { user_id: "ecp-default", user_name: "default", engine: "valkey", access_string: "off -@all", no_password_required: true } },
      },
    },
    "ECP-CACHE-FAILOVER": { resource: { aws_elasticache_replication_group: { g: { automatic_failover_enabled: true, multi_az_enabled: false } } } },
    "ECP-DYNAMODB-PITR": { resource: { aws_dynamodb_table: { t: { point_in_time_recovery: { enabled: false } } } } },
    "ECP-DYNAMODB-CMK": { resource: { aws_dynamodb_table: { t: { server_side_encryption: { enabled: true } } } } },
    "ECP-LAMBDA-TRACING": { resource: { aws_lambda_function: { f: { tracing_config: { mode: "PassThrough" } } } } },
    "ECP-LAMBDA-DLQ": { resource: { aws_lambda_function: { f: {} } } },
    "ECP-LAMBDA-RUNTIME": { resource: { aws_lambda_function: { f: { runtime: "nodejs16.x" } } } },
    "ECP-LAMBDA-ENV-ENCRYPTED": { resource: { aws_lambda_function: { f: { runtime: "nodejs22.x" } } } },
    "ECP-LAMBDA-NO-SECRETS-IN-ENV": { resource: { aws_lambda_function: { f: { environment: { variables: { REDIS_PASSWORD: "hunter2" } } } } } },
    "ECP-LAMBDA-REDIS-IN-VPC": { resource: { aws_lambda_function: { f: { environment: { variables: { REDIS_URL: "rediss://x" } } } } } },
    "ECP-APPSYNC-NO-INTROSPECTION": { resource: { aws_appsync_graphql_api: { a: { name: "open" } } } },
    "ECP-APPSYNC-BOUNDED": { resource: { aws_appsync_graphql_api: { a: { resolver_count_limit: 1 } } } },
    "ECP-APPSYNC-LOGGING": { resource: { aws_appsync_graphql_api: { a: { log_config: { cloudwatch_logs_role_arn: "r", field_log_level: "NONE" } } } } },
    "ECP-API-STAGE-ACCESS-LOGS": { resource: { aws_apigatewayv2_stage: { s: { name: "$default" } } } },
    "ECP-API-STAGE-THROTTLING": { resource: { aws_apigatewayv2_stage: { s: { default_route_settings: { detailed_metrics_enabled: true } } } } },
    "ECP-S3-PUBLIC-ACCESS-BLOCKED": {
      resource: { aws_s3_bucket: { b: {} }, aws_s3_bucket_public_access_block: { p: { bucket: "${aws_s3_bucket.b.id}", block_public_acls: true } } },
    },
    "ECP-S3-ENCRYPTED-KMS": {
      resource: {
        aws_s3_bucket: { b: {} },
        aws_s3_bucket_server_side_encryption_configuration: {
          e: { bucket: "${aws_s3_bucket.b.id}", rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] },
        },
      },
    },
    "ECP-S3-VERSIONED": {
      resource: {
        aws_s3_bucket: { b: {} },
        aws_s3_bucket_versioning: { v: { bucket: "${aws_s3_bucket.b.id}", versioning_configuration: { status: "Suspended" } } },
      },
    },
    "ECP-S3-ACLS-DISABLED": { resource: { aws_s3_bucket: { b: {} } } },
    "ECP-EC2-IMDSV2": { resource: { aws_instance: { i: { metadata_options: { http_tokens: "optional" } } } } },
    "ECP-EC2-EBS-ENCRYPTED": { resource: { aws_instance: { i: { root_block_device: { encrypted: false } } } } },
    "ECP-EC2-NO-PUBLIC-IP": { resource: { aws_instance: { i: { associate_public_ip_address: true } } } },
    "ECP-EC2-ROLE-NO-SECRETS": { resource: { aws_instance: { i: { iam_instance_profile: "p", user_data: "export AUTH_TOKEN=abc\nauth_token: abc" } } } },
    "ECP-SUBNET-NO-AUTO-PUBLIC-IP": { resource: { aws_subnet: { s: { map_public_ip_on_launch: true } } } },
    "ECP-NO-WORLD-INGRESS": { resource: { aws_vpc_security_group_ingress_rule: { r: { cidr_ipv4: "0.0.0.0/0", from_port: 22, to_port: 22 } } } },
    "ECP-IAM-NO-WILDCARD-ACTIONS": {
      resource: { aws_iam_role_policy: { p: { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: "*" }] }) } } },
    },
    "ECP-LOGS-RETENTION-KMS": { resource: { aws_cloudwatch_log_group: { l: { retention_in_days: 30 } } } },
    "ECP-SNS-ENCRYPTED": { resource: { aws_sns_topic: { t: { name: "plain" } } } },
    "ECP-SQS-ENCRYPTED": { resource: { aws_sqs_queue: { q: { name: "plain" } } } },
    "ECP-SECRETS-CMK": { resource: { aws_secretsmanager_secret: { s: { name: "plain" } } } },
    "ECP-KMS-ROTATION": { resource: { aws_kms_key: { k: { enable_key_rotation: false } } } },
    "ECP-VPC-FLOW-LOGS-DEFAULT-SG": {
      resource: {
        aws_vpc: { v: {} },
        aws_flow_log: { f: { vpc_id: "${aws_vpc.v.id}" } },
        aws_default_security_group: { d: { vpc_id: "${aws_vpc.v.id}", ingress: [{ from_port: 0 }] } },
      },
    },
    // A feature-store function watched only by an alarm on another path's metrics.
    "ECP-DATA-PATH-ALARMED": {
      resource: {
        aws_lambda_function: { reader: { tags: { "ecp:data-path": "feature-store" } } },
        aws_cloudwatch_metric_alarm: { other: { namespace: "ElastiCachePatterns", dimensions: { service: "change-feed" } } },
      },
    },
    "ECP-ALARM-NAMES-RUNBOOK": {
      resource: { aws_cloudwatch_metric_alarm: { a: { namespace: "ElastiCachePatterns", dimensions: { service: "change-feed" }, alarm_description: "lag" } } },
    },
    // A minute's period over 26 evaluations... of hours: 26 h, past the one day minute periods allow.
    "ECP-ALARM-WINDOW-ALLOWED": { resource: { aws_cloudwatch_metric_alarm: { a: { period: 60, evaluation_periods: 1_560 } } } },
    // The deploy and destroy classes: each bad resource is the shape the code had before the fix.
    "ECP-BOOT-AFTER-ARTIFACTS": {
      resource: {
        aws_s3_object: { config: { key: "listener/listener.json" } },
        aws_vpc_endpoint: { s3: { service_name: "com.amazonaws.us-east-1.s3" } },
        aws_instance: { listener: { user_data: "aws s3 cp ..." } },
      },
    },
    "ECP-HOST-WAITS-FOR-NETWORK": {
      resource: {
        aws_security_group: { listener: {} },
        aws_vpc_security_group_egress_rule: { out: { security_group_id: "${aws_security_group.listener.id}", cidr_ipv4: "0.0.0.0/0" } },
        aws_subnet: { a: {} },
        aws_route_table_association: { a: { subnet_id: "${aws_subnet.a.id}", route_table_id: "${aws_route_table.r.id}" } },
        aws_launch_template: { t: { network_interfaces: [{ security_groups: ["${aws_security_group.listener.id}"] }] } },
        aws_autoscaling_group: { g: { launch_template: { id: "${aws_launch_template.t.id}" }, vpc_zone_identifier: ["${aws_subnet.a.id}"] } },
      },
    },
    // The shapes before the fix: the bundle uploaded first, and a key left to AppSync's 7-day default.
    "ECP-OBJECT-AFTER-BUCKET-CONFIG": {
      resource: {
        aws_s3_bucket: { b: {} },
        aws_s3_bucket_versioning: { v: { bucket: "${aws_s3_bucket.b.id}", versioning_configuration: { status: "Enabled" } } },
        aws_s3_bucket_server_side_encryption_configuration: { e: { bucket: "${aws_s3_bucket.b.id}" } },
        aws_s3_object: { o: { bucket: "${aws_s3_bucket.b.id}", key: "listener/listener.zip" } },
      },
    },
    "ECP-API-KEY-OUTLIVES-A-WEEK": { resource: { aws_appsync_api_key: { k: { api_id: "${aws_appsync_graphql_api.a.id}" } } } },
    "ECP-REPLACEABLE-NAMES": {
      resource: { aws_elasticache_parameter_group: { p: { name: "ecp-valkey8", family: "valkey8", lifecycle: { create_before_destroy: true } } } },
    },
    "ECP-LISTENER-UPDATES-ROLL": { resource: { aws_launch_template: { t: { user_data: "#!/bin/bash", image_id: "${data.aws_ssm_parameter.al2023.value}" } } } },
    "ECP-ASG-ROLLS-ON-NEW-TEMPLATE": {
      resource: { aws_autoscaling_group: { g: { launch_template: { id: "${aws_launch_template.t.id}", version: "$Default" } } } },
    },
    "ECP-CACHE-TOPIC-PUBLISHABLE": {
      resource: {
        aws_sns_topic: { events: { name: "cache-events" } },
        aws_elasticache_replication_group: { g: { notification_topic_arn: "${aws_sns_topic.events.arn}" } },
        aws_sns_topic_policy: {
          p: {
            arn: "${aws_sns_topic.events.arn}",
            policy: JSON.stringify({
              Statement: [
                {
                  Effect: "Allow",
                  Principal: { Service: "elasticache.amazonaws.com" },
                  Action: ["sns:Publish"],
                  Condition: { StringEquals: { "aws:SourceOwner": "1" } },
                },
              ],
            }),
          },
        },
      },
    },
    "ECP-DESTROYABLE-TABLE": { resource: { aws_dynamodb_table: { t: { deletion_protection_enabled: true } } } },
    "ECP-DESTROYABLE-ZONE": { resource: { aws_route53_zone: { z: { name: "cache.internal." } } } },
    "ECP-DESTROYABLE-BUCKET": { resource: { aws_s3_bucket: { b: { bucket: "batches" } } } },
    "ECP-DESTROYABLE-SECRET": { resource: { aws_secretsmanager_secret: { s: { name: "ecp/redis-auth-token", recovery_window_in_days: 7 } } } },
    "ECP-SECRET-RECOVERABLE": { resource: { aws_secretsmanager_secret: { s: { name_prefix: "ecp/rest-tokens-", recovery_window_in_days: 0 } } } },
    "ECP-LAMBDA-VPC-PERMISSIONS": {
      resource: {
        aws_iam_role: { r: {} },
        aws_iam_role_policy: {
          p: {
            role: "${aws_iam_role.r.id}",
            policy: JSON.stringify({
              Statement: [
                { Effect: "Allow", Action: ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"], Resource: "*" },
              ],
            }),
          },
        },
        aws_lambda_function: { f: { role: "${aws_iam_role.r.arn}", vpc_config: { subnet_ids: ["s"] } } },
      },
    },
    "ECP-FLOW-LOG-PERMISSIONS": {
      resource: {
        aws_iam_role: { r: {} },
        aws_iam_role_policy: {
          p: {
            role: "${aws_iam_role.r.id}",
            policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "x" }] }),
          },
        },
        aws_flow_log: { f: { iam_role_arn: "${aws_iam_role.r.arn}" } },
      },
    },
    "ECP-APPSYNC-SCHEMA-ACCEPTED": {
      resource: {
        aws_appsync_graphql_api: {
          a: { schema: 'type Query { "Reads." read: String }', additional_authentication_provider: [{ authentication_type: "AWS_IAM" }] },
        },
      },
    },
    "ECP-ENV-REFERENCES-RESOLVE": {
      resource: {
        aws_lambda_function: {
          f: {
            environment: {
              variables: { REDIS_URL: "rediss://${aws_elasticache_replication_group.g.primary_endpoint_address}:aws_elasticache_replication_group.g.port" },
            },
          },
        },
      },
    },
  };

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
