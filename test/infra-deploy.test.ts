import { expect } from "chai";
import { buildSchema } from "graphql";
import { readFileSync } from "node:fs";
import { defaultConfig } from "../infra/config.js";
import { configFromEnvironment } from "../infra/config-environment.js";
import { appSyncSchema } from "../infra/appsync-schema.js";
import { flowLogActions, lambdaVpcActions, retainTag } from "../infra/conventions.js";
import type { ResourceConfig } from "../infra/policy/rules.js";
import { terraformSteps } from "../infra/terraform.js";
import { replaceableName } from "../infra/naming.js";
import { of, one, synth, type Json } from "./harness/synth.js";

const statements = (policy: unknown) =>
  (JSON.parse(String(policy)) as { Statement: unknown }).Statement as { Sid?: string; Action: string[]; Principal?: unknown; Condition?: unknown }[];
const actionsOfRole = (json: Json, roleRef: unknown) => {
  const role = /aws_iam_role\.([^.]+)\./.exec(String(roleRef))![1];
  return of(json, "aws_iam_role_policy")
    .filter(([, p]) => String(p.role).includes(`aws_iam_role.${role}.`))
    .flatMap(([, p]) => statements(p.policy).flatMap((s) => s.Action));
};

describe("deployable as documented: apply, first boot, updates and destroy (synthesized Terraform JSON)", function () {
  this.timeout(60_000);
  let json: Json;
  before(() => {
    json = synth();
  });

  describe("apply and first boot", () => {
    it("the listener's group waits for its three artifacts, its role policy and the S3 gateway endpoint", () => {
      const group = one(json, "aws_autoscaling_group");
      const dependsOn = group.config.depends_on as string[];
      const objects = of(json, "aws_s3_object").map(([name]) => `aws_s3_object.${name}`);
      expect(objects).to.have.length(3);
      expect(dependsOn).to.include.members(objects);
      expect(dependsOn.some((d) => d.startsWith("aws_iam_role_policy.change-feed_listener_policy"))).to.equal(true);
      const s3Gateway = of(json, "aws_vpc_endpoint").find(([, e]) => String(e.service_name).endsWith(".s3"))!;
      expect(dependsOn).to.include(`aws_vpc_endpoint.${s3Gateway[0]}`);
      expect(group.config).to.deep.include({ min_size: 1, max_size: 1 });
      expect(group.config.vpc_zone_identifier).to.have.length(2);
    });

    it("the listener group's size is a setting: ECP_LISTENER_GROUP_SIZE=3 makes a group of three", () => {
      const config = configFromEnvironment({ ECP_LISTENER_GROUP_SIZE: "3" });
      expect(config.changeFeed.listenerGroupSize).to.equal(3);
      expect(one(synth(config), "aws_autoscaling_group").config).to.deep.include({ min_size: 3, max_size: 3, desired_capacity: 3 });
      expect(() => configFromEnvironment({ ECP_LISTENER_GROUP_SIZE: "0" })).to.throw(/ECP_LISTENER_GROUP_SIZE/);
    });

    it("every artifact waits for its bucket's versioning and encryption (else: no version id for the user data, S3's own key)", () => {
      const configuration = ["aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration"].map((type) => {
        const [name] = of(json, type).find(([, c]) => String(c.bucket).includes("listener_artifacts"))!;
        return `${type}.${name}`;
      });
      for (const [name, object] of of(json, "aws_s3_object")) expect(object.depends_on, name).to.include.members(configuration);
    });

    it("the listener's group waits for its network path (its security-group rules, the route-table associations) and its engine user's secret value", () => {
      const dependsOn = one(json, "aws_autoscaling_group").config.depends_on as string[];
      const listenerRules = [...of(json, "aws_vpc_security_group_ingress_rule"), ...of(json, "aws_vpc_security_group_egress_rule")]
        .filter(([name]) => name.includes("listener"))
        .map(([name, r]) => `${name.includes("ingress") || "referenced_security_group_id" in r ? "" : ""}${name}`);
      expect(listenerRules).to.have.length(4);
      for (const rule of listenerRules)
        expect(
          dependsOn.some((d) => d.endsWith(`.${rule}`)),
          rule,
        ).to.equal(true);
      const associations = of(json, "aws_route_table_association").map(([name]) => `aws_route_table_association.${name}`);
      expect(associations).to.have.length(2);
      expect(dependsOn).to.include.members(associations);
      expect(dependsOn).to.include(
        `aws_secretsmanager_secret_version.${one(json, "aws_secretsmanager_secret_version", (v) => String(v.secret_id).includes("listener-secret")).name}`,
      );
    });

    it("the AppSync API key lives a year by default (a setting, 1-365 days), and later plans leave its expiry", () => {
      const key = one(json, "aws_appsync_api_key").config;
      expect(key).to.deep.include({ expires: '${timeadd(timestamp(), "8760h")}', lifecycle: { ignore_changes: ["expires"] } });
      const month = one(synth(configFromEnvironment({ ECP_API_KEY_EXPIRY_DAYS: "30" })), "aws_appsync_api_key").config;
      expect(month.expires).to.equal('${timeadd(timestamp(), "720h")}');
      expect(() => configFromEnvironment({ ECP_API_KEY_EXPIRY_DAYS: "366" })).to.throw("commandApi.apiKeyExpiryDays is 366: AppSync takes 1 to 365 days");
      expect(json.output?.api_key_expires.value).to.equal(`\${${one(json, "aws_appsync_api_key").ref("expires").slice(2, -1)}}`);
    });

    it("a parameter-group replacement gets a new name, so create-before-destroy never collides", () => {
      const name = (config = defaultConfig) => String(one(synth(config), "aws_elasticache_parameter_group").config.name);
      expect(name()).to.match(/^ecp-valkey9-[0-9a-f]{8}$/);
      expect(name(configFromEnvironment({ ECP_ENGINE: "redis" }))).to.match(/^ecp-redis7-[0-9a-f]{8}$/);
      // Same family, another description (it forces a replacement too): another name.
      expect(replaceableName("ecp-valkey8", { family: "valkey8", description: "a" })).to.not.equal(
        replaceableName("ecp-valkey8", { family: "valkey8", description: "b" }),
      );
    });

    it("what Terraform would look up through an API while planning can be pinned: zones, account, the listener's AMI", () => {
      const pinned = synth(
        configFromEnvironment({
          ECP_AVAILABILITY_ZONES: "eu-west-1a, eu-west-1b",
          ECP_ACCOUNT_ID: "123456789012",
          ECP_LISTENER_AMI_ID: "ami-0123456789abcdef0",
        }),
      );
      expect(Object.keys(pinned.data ?? {}).sort()).to.deep.equal(["aws_region"]);
      expect(of(pinned, "aws_subnet").map(([, s]) => s.availability_zone)).to.deep.equal([
        '${element(["eu-west-1a", "eu-west-1b"], 0)}',
        '${element(["eu-west-1a", "eu-west-1b"], 1)}',
      ]);
      expect(one(pinned, "aws_launch_template").config.image_id).to.equal("ami-0123456789abcdef0");
      expect(String(one(pinned, "aws_kms_key").config.policy)).to.contain("arn:aws:iam::123456789012:root");
      expect(Object.keys(json.data ?? {}).sort()).to.deep.equal(["aws_availability_zones", "aws_caller_identity", "aws_region", "aws_ssm_parameter"]);
      expect(() => configFromEnvironment({ ECP_ACCOUNT_ID: "1234" })).to.throw(/not a 12-digit AWS account id/);
      expect(() => configFromEnvironment({ ECP_AVAILABILITY_ZONES: "eu-west-1a" })).to.throw(/names 1 zones; the network spans 2/);
    });

    it("new artifacts roll the instance (user data names their S3 versions; refresh on a new template version); a new AMI does not", () => {
      const template = one(json, "aws_launch_template");
      for (const [name] of of(json, "aws_s3_object")) expect(String(template.config.user_data)).to.contain(`aws_s3_object.${name}.version_id`);
      expect(template.config.lifecycle).to.deep.equal({ ignore_changes: ["image_id"] });
      const group = one(json, "aws_autoscaling_group");
      expect((group.config.launch_template as ResourceConfig).version).to.equal(`\${tostring(${template.ref("latest_version").slice(2, -1)})}`);
      expect((group.config.instance_refresh as ResourceConfig).strategy).to.equal("Rolling");
    });

    it("ElastiCache's topic policy is the documented one: Principal AWS *, SNS:Publish, AWS:SourceOwner = the account", () => {
      const [statement] = statements(one(json, "aws_sns_topic_policy").config.policy);
      expect(statement).to.deep.include({ Principal: { AWS: "*" }, Action: ["SNS:Publish"] });
      const condition = statement.Condition as { StringEquals: Record<string, string> };
      expect(Object.keys(condition.StringEquals)).to.deep.equal(["AWS:SourceOwner"]);
      expect(condition.StringEquals["AWS:SourceOwner"]).to.match(/^\$\{data\.aws_caller_identity\.[^.]+\.account_id\}$/);
    });

    it("reserved concurrency on the gateway functions is opt-in, and auto sizes it from the node's memory and the output-buffer limit", () => {
      const gatewayFunctions = (j: Json) =>
        of(j, "aws_lambda_function")
          .filter(([, f]) => /command-api|redis-rest/.test(String(f.function_name)))
          .map(([, f]) => f.reserved_concurrent_executions);
      expect(gatewayFunctions(json)).to.deep.equal([undefined, undefined]);
      // cache.t4g.small: 1.37 GiB, half of it over 128 MiB per container, split between the two functions.
      expect(gatewayFunctions(synth(configFromEnvironment({ ECP_GATEWAY_RESERVED_CONCURRENCY: "auto" })))).to.deep.equal([2, 2]);
      expect(
        gatewayFunctions(synth(configFromEnvironment({ ECP_GATEWAY_RESERVED_CONCURRENCY: "auto", ECP_CACHE_NODE_TYPE: "cache.r7g.large" }))),
      ).to.deep.equal([26, 26]);
      expect(gatewayFunctions(synth(configFromEnvironment({ ECP_GATEWAY_RESERVED_CONCURRENCY: "5" })))).to.deep.equal([5, 5]);
      expect(() => synth(configFromEnvironment({ ECP_GATEWAY_RESERVED_CONCURRENCY: "auto", ECP_CACHE_NODE_TYPE: "cache.x9.huge" }))).to.throw(
        /no memory figure for node type "cache.x9.huge"/,
      );
    });

    it("reserved concurrency on the keeper is opt-in (a new account's quota of 10 refuses it)", () => {
      const keeper = (j: Json) => one(j, "aws_lambda_function", (f) => String(f.function_name).endsWith("replica-dns-keeper")).config;
      expect(keeper(json).reserved_concurrent_executions).to.equal(undefined);
      expect(keeper(synth(configFromEnvironment({ ECP_KEEPER_RESERVED_CONCURRENCY: "1" }))).reserved_concurrent_executions).to.equal(1);
    });

    it("secrets stay recoverable 7 days after a delete (a setting, 7-30) and are named by prefix, so a new apply never waits for a reserved name", () => {
      // The REST tokens and one engine-user secret per client (listener, loader, reader, gateway).
      const secrets = of(json, "aws_secretsmanager_secret").map(([, s]) => s);
      expect(secrets.map((s) => s.recovery_window_in_days)).to.deep.equal([7, 7, 7, 7, 7]);
      expect(secrets.every((s) => s.name === undefined && /^ecp\/(redis-user-[a-z]+|rest-tokens)-$/.test(String(s.name_prefix)))).to.equal(true);
      const kept = synth(configFromEnvironment({ ECP_SECRET_RECOVERY_DAYS: "30" }));
      expect(of(kept, "aws_secretsmanager_secret").every(([, s]) => s.recovery_window_in_days === 30)).to.equal(true);
      for (const days of ["0", "3"]) expect(() => configFromEnvironment({ ECP_SECRET_RECOVERY_DAYS: days })).to.throw(/7 to 30 days|whole number > 0/);
    });

    it("AppSync receives the schema file without descriptions, the same types and fields, and no unused auth mode", () => {
      const api = one(json, "aws_appsync_graphql_api").config;
      const source = readFileSync("schema/command-api.graphql", "utf8");
      expect(api.schema).to.equal(appSyncSchema(source)).and.not.include('"');
      const fields = (sdl: string) => {
        const schema = buildSchema(`scalar AWSJSON\n${sdl}`);
        return ["Query", "Mutation", "RedisReply"].map((t) => Object.keys((schema.getType(t) as unknown as { getFields(): object }).getFields()));
      };
      expect(fields(String(api.schema))).to.deep.equal(fields(source));
      expect(api.additional_authentication_provider).to.equal(undefined);
    });

    it("functions in the VPC hold every action of AWSLambdaVPCAccessExecutionRole; the flow-log role what VPC Flow Logs lists", () => {
      const inVpc = of(json, "aws_lambda_function").filter(([, f]) => f.vpc_config);
      expect(inVpc).to.have.length(5);
      for (const [, f] of inVpc) expect(actionsOfRole(json, f.role)).to.include.members(lambdaVpcActions);
      expect(actionsOfRole(json, one(json, "aws_flow_log").config.iam_role_arn)).to.include.members(flowLogActions);
    });

    it("Redis URLs in the functions' environment resolve (the port is a number, not an unresolved reference)", () => {
      for (const [, f] of of(json, "aws_lambda_function")) {
        const url = ((f.environment as ResourceConfig).variables as Record<string, string>).REDIS_URL;
        if (url) expect(url).to.match(/^rediss:\/\/\$\{aws_elasticache_replication_group\.[^}]+\.(primary_endpoint|configuration_endpoint)_address\}:6379$/);
      }
      expect(json.output?.reader_endpoint.value).to.match(/reader_endpoint_address\}:6379$/);
    });
  });

  describe("destroy in one run", () => {
    it("no deletion protection by default; a setting turns it on, tagged to be kept", () => {
      expect(one(json, "aws_dynamodb_table").config.deletion_protection_enabled).to.equal(false);
      const table = one(synth(configFromEnvironment({ ECP_DELETION_PROTECTION: "true" })), "aws_dynamodb_table").config;
      expect(table).to.deep.include({ deletion_protection_enabled: true, tags: { [retainTag]: "true" } });
    });

    it("the zone goes although the keeper wrote records in it; the buckets go with their uploads (but not a production bucket)", () => {
      expect(one(json, "aws_route53_zone").config.force_destroy).to.equal(true);
      expect(of(json, "aws_s3_bucket").map(([, b]) => b.force_destroy)).to.deep.equal([true, true]);
      const production = synth({ ...defaultConfig, name: "prod" });
      const batches = one(production, "aws_s3_bucket", (b) => String(b.bucket).startsWith("prod-feature-batches"));
      expect(batches.config).to.deep.include({ force_destroy: false, tags: { [retainTag]: "true" } });
      expect(one(production, "aws_s3_bucket", (b) => String(b.bucket).startsWith("prod-listener")).config.force_destroy).to.equal(true);
    });

    it("local state lives outside cdktf.out/ (make clean keeps it) and out of git", () => {
      const path = String(((json.terraform?.backend as Record<string, ResourceConfig>).local as ResourceConfig).path);
      expect(path).to.equal("../../../.state/test.tfstate");
      expect(readFileSync(".gitignore", "utf8").split("\n")).to.include(".state/");
      expect(readFileSync("Makefile", "utf8")).to.match(/^clean:.*\n\trm -rf dist cdktf.out test-output bench\/out\n/m);
    });
  });

  describe("make plan / apply / destroy", () => {
    it("on a terminal apply and destroy ask for confirmation", () => {
      expect(terraformSteps("apply", {}, true)).to.deep.equal([["init", "-input=false"], ["apply"]]);
      expect(terraformSteps("destroy", {}, true)).to.deep.equal([["init", "-input=false"], ["destroy"]]);
      expect(terraformSteps("plan", {}, false)).to.deep.equal([
        ["init", "-input=false"],
        ["plan", "-input=false"],
      ]);
    });
    it("in CI or a pipe they never wait for input: AUTO_APPROVE=true applies, otherwise they refuse with the reason", () => {
      expect(terraformSteps("apply", { CI: "true" }, true)).to.match(/set AUTO_APPROVE=true to apply/);
      expect(terraformSteps("destroy", {}, false)).to.match(/set AUTO_APPROVE=true to destroy/);
      expect(terraformSteps("apply", { CI: "true", AUTO_APPROVE: "true" }, false)).to.deep.equal([
        ["init", "-input=false"],
        ["apply", "-input=false", "-auto-approve"],
      ]);
    });
  });
});
