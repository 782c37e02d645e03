import { expect } from "chai";
import { defaultEngineLimits, engineParameters } from "../domain/redis/engine-limits.js";
import { gatewayUser, listenerUser } from "../domain/redis/engine-users.js";
import { Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { defaultConfig } from "../infra/config.js";
import { configFromEnvironment } from "../infra/config-environment.js";
import { appSyncSchema } from "../infra/appsync-schema.js";
import { resolvedFields } from "../infra/constructs/command-api.js";
import { runPolicy, type ResourceConfig } from "../infra/policy/rules.js";
import { of, one, synth, type Json } from "./harness/synth.js";

describe("infrastructure (synthesized Terraform JSON)", function () {
  this.timeout(60_000);
  let json: Json;
  before(() => {
    json = synth();
  });

  it("network: private subnets over two zones, gateway and interface endpoints, no internet path", () => {
    const subnets = of(json, "aws_subnet");
    expect(subnets).to.have.length(2);
    expect(subnets.every(([, s]) => s.map_public_ip_on_launch === false)).to.equal(true);
    expect(json.resource?.aws_internet_gateway).to.equal(undefined);
    expect(json.resource?.aws_nat_gateway).to.equal(undefined);
    const endpoints = of(json, "aws_vpc_endpoint")
      .map(([, e]) => `${e.vpc_endpoint_type}:${String(e.service_name).split(".").pop()}`)
      .sort();
    expect(endpoints).to.deep.equal([
      "Gateway:dynamodb",
      "Gateway:s3",
      "Interface:ec2messages",
      "Interface:lambda",
      "Interface:logs",
      "Interface:secretsmanager",
      "Interface:ssm",
      "Interface:ssmmessages",
    ]);
  });

  it("the cache admits the Redis port only from the functions' and the listener's groups", () => {
    const cacheGroup = one(json, "aws_security_group", (g) => String(g.name).endsWith("-cache"));
    const ingress = of(json, "aws_vpc_security_group_ingress_rule").filter(([, r]) => r.security_group_id === cacheGroup.ref("id"));
    expect(ingress.map(([, r]) => [r.from_port, r.to_port, r.referenced_security_group_id])).to.deep.equal([
      [6379, 6379, one(json, "aws_security_group", (g) => String(g.name).endsWith("-functions")).ref("id")],
      [6379, 6379, one(json, "aws_security_group", (g) => String(g.name).endsWith("-listener")).ref("id")],
    ]);
    expect(ingress.every(([, r]) => r.cidr_ipv4 === undefined)).to.equal(true);
  });

  it("cache: Multi-AZ replication group, encrypted, every client its own engine user (RBAC, no AUTH token), its parameter group and events topic", () => {
    const group = one(json, "aws_elasticache_replication_group");
    const parameters = one(json, "aws_elasticache_parameter_group");
    const topic = one(json, "aws_sns_topic", (t) => String(t.name).endsWith("cache-events"));
    expect(
      Testing.toHaveResourceWithProperties(JSON.stringify(json), "aws_elasticache_replication_group", {
        num_cache_clusters: 3,
        automatic_failover_enabled: true,
        multi_az_enabled: true,
        transit_encryption_enabled: true,
        at_rest_encryption_enabled: "true",
      }),
    ).to.equal(true);
    expect(group.config.parameter_group_name).to.equal(parameters.ref("name"));
    expect(parameters.config.parameter).to.deep.equal([{ name: "notify-keyspace-events", value: "Eg$lshzxe" }, ...engineParameters(defaultEngineLimits)]);
    expect(group.config.notification_topic_arn).to.equal(topic.ref("arn"));
    // RBAC replaces the AUTH token: one user group, the default user off, a user per client with the module's access string.
    expect(group.config.auth_token).to.equal(undefined);
    const userGroup = one(json, "aws_elasticache_user_group");
    expect(group.config.user_group_ids).to.deep.equal([userGroup.ref("user_group_id")]);
    const users = of(json, "aws_elasticache_user").map(([, u]) => u);
    // Valkey refuses a password-less user, even an off one: the default user has a password no secret holds.
    const defaultUser = users.find((u) => u.user_name === "default");
    expect(defaultUser).to.deep.include({ access_string: "off -@all" });
    expect(defaultUser?.no_password_required).to.equal(undefined);
    expect(defaultUser?.passwords).to.have.length(1);
    expect(String((defaultUser?.passwords as string[])[0])).to.match(/^\$\{random_password\..*default-password.*\.result\}$/);
    expect(JSON.stringify(of(json, "aws_secretsmanager_secret_version"))).not.to.contain("default-password");
    expect(users.find((u) => u.user_name === "listener")?.access_string).to.equal(`on ${listenerUser.access}`);
    expect(users.find((u) => u.user_name === "gw-read")?.access_string).to.equal(`on ${gatewayUser({ access: "read" }, { scripts: false }).access}`);
    expect(users.map((u) => u.user_name).sort()).to.deep.equal(["default", "gw-read", "gw-write", "listener", "loader", "reader"]);
    expect(userGroup.config.user_ids).to.have.length(users.length);
    expect(topic.config.kms_master_key_id).to.equal(undefined);
    expect(String(one(json, "aws_sns_topic_policy").config.policy)).to.contain("AWS:SourceOwner");
  });

  it("each function reads only its own engine user's secret; the gateway its scopes' users; a tenant prefix gets users of its own", () => {
    const variables = (suffix: string) =>
      (one(json, "aws_lambda_function", (f) => String(f.function_name).endsWith(suffix)).config.environment as ResourceConfig).variables as Record<
        string,
        string
      >;
    expect(variables("feature-loader").REDIS_AUTH_SECRET_ARN).to.match(/redis-user-loader|loader-secret/);
    expect(variables("feature-reader").REDIS_AUTH_SECRET_ARN).to.match(/reader-secret/);
    for (const gateway of ["command-api", "redis-rest"]) {
      expect(variables(gateway).REDIS_USERS_SECRET_ARN).to.match(/gateway-secret/);
      expect(variables(gateway).REDIS_AUTH_SECRET_ARN).to.equal(undefined);
    }
    const tenants = synth(configFromEnvironment({ ECP_KEY_PREFIXES: JSON.stringify({ "sha256:a": "tenant-a:", "sha256:b": "tenant-a:" }) }));
    const names = of(tenants, "aws_elasticache_user").map(([, u]) => String(u.user_name));
    expect(names.filter((n) => n.startsWith("gw-"))).to.have.length(4);
    const tenantWrite = of(tenants, "aws_elasticache_user").find(([, u]) => String(u.user_name).startsWith("gw-write-"))![1];
    expect(tenantWrite.access_string).to.equal(`on ${gatewayUser({ access: "write", prefix: "tenant-a:" }, { scripts: false }).access}`);
  });

  it("change feed: table with PITR, SSE and TTL; private listener (launch template) with IMDSv2 and an encrypted disk; config without secrets", () => {
    const table = one(json, "aws_dynamodb_table");
    expect(table.config).to.deep.include({ billing_mode: "PAY_PER_REQUEST", hash_key: "id", ttl: { attribute_name: "_expiresAt", enabled: true } });
    const template = one(json, "aws_launch_template");
    expect((template.config.network_interfaces as ResourceConfig[])[0]).to.deep.include({ associate_public_ip_address: "false" });
    expect((template.config.metadata_options as ResourceConfig).http_tokens).to.equal("required");
    expect((template.config.block_device_mappings as { ebs: ResourceConfig }[])[0].ebs.encrypted).to.equal("true");
    expect((one(json, "aws_autoscaling_group").config.vpc_zone_identifier as string[]).every((s) => s.includes("aws_subnet."))).to.equal(true);
    expect(String(template.config.user_data)).to.contain("systemctl enable --now changefeed.service");
    const objects = Object.fromEntries(of(json, "aws_s3_object").map(([, o]) => [String(o.key), o]));
    expect(Object.keys(objects).sort()).to.deep.equal(["listener/listener.json", "listener/listener.zip", "listener/mappings.json"]);
    const listenerConfig = String(objects["listener/listener.json"].content);
    expect(listenerConfig).to.contain("redisAuthSecretArn").and.not.contain("random_password");
    const writer = one(json, "aws_lambda_function", (f) => String(f.function_name).endsWith("change-writer"));
    expect(String(objects["listener/mappings.json"].content)).to.contain(writer.ref("function_name"));
    const writerPolicy = one(json, "aws_iam_role_policy", (p) => String(p.role).includes("writer"));
    expect((JSON.parse(String(writerPolicy.config.policy)) as { Statement: { Sid: string }[] }).Statement.find((s) => s.Sid === "WriteItems")).to.deep.include({
      Action: ["dynamodb:PutItem"],
      Resource: table.ref("arn"),
    });
  });

  it("command API: AppSync with API key, the schema file, a Direct Lambda Resolver per field, field-level logs", () => {
    const api = one(json, "aws_appsync_graphql_api");
    expect(api.config.authentication_type).to.equal("API_KEY");
    expect(api.config.additional_authentication_provider).to.equal(undefined);
    expect(api.config.schema).to.equal(appSyncSchema(readFileSync("schema/command-api.graphql", "utf8")));
    expect((api.config.log_config as ResourceConfig).field_log_level).to.equal("ERROR");
    // Introspection is off unless a setting allows it, and then the API says so by its tag.
    expect(api.config.introspection_config).to.equal("DISABLED");
    const allowed = synth(configFromEnvironment({ ECP_GRAPHQL_INTROSPECTION: "true" }));
    expect(one(allowed, "aws_appsync_graphql_api").config).to.deep.include({
      introspection_config: "ENABLED",
      tags: { "ecp:allowed-by-setting": "introspection" },
    });
    expect(runPolicy(allowed).findings).to.deep.equal([]);
    const source = one(json, "aws_appsync_datasource");
    const resolver = one(json, "aws_lambda_function", (f) => String(f.function_name).endsWith("command-api"));
    expect((source.config.lambda_config as ResourceConfig).function_arn).to.equal(resolver.ref("arn"));
    const resolvers = of(json, "aws_appsync_resolver")
      .map(([, r]) => `${r.type}.${r.field} ${r.data_source} ${r.request_template}`)
      .sort();
    expect(resolvers).to.deep.equal(resolvedFields.map(([type, field]) => `${type}.${field} ${source.ref("name")} undefined`).sort());
    const routes = of(json, "aws_apigatewayv2_route")
      .map(([, r]) => r.route_key)
      .sort();
    expect(routes).to.deep.equal(["ANY /", "ANY /{proxy+}", "GET /recommendations", "GET /recommendations/report"]);
  });

  it("feature store: object-created events trigger the loader; the reader sits behind a throttled HTTP API", () => {
    const loader = one(json, "aws_lambda_function", (f) => String(f.function_name).endsWith("feature-loader"));
    const notification = one(json, "aws_s3_bucket_notification");
    expect(notification.config.lambda_function).to.deep.equal([{ lambda_function_arn: loader.ref("arn"), events: ["s3:ObjectCreated:*"] }]);
    expect(one(json, "aws_lambda_permission", (p) => p.principal === "s3.amazonaws.com").config.function_name).to.equal(loader.ref("function_name"));
    for (const [, stage] of of(json, "aws_apigatewayv2_stage")) {
      expect(Number((stage.default_route_settings as ResourceConfig).throttling_rate_limit)).to.be.greaterThan(0);
    }
  });

  it("replica DNS: private zone on the VPC; the keeper is subscribed to the cache's topic and scheduled, outside the VPC", () => {
    const zone = one(json, "aws_route53_zone");
    expect(zone.config.vpc).to.deep.equal([{ vpc_id: one(json, "aws_vpc").ref("id") }]);
    const keeper = one(json, "aws_lambda_function", (f) => String(f.function_name).endsWith("replica-dns-keeper"));
    const subscription = one(json, "aws_sns_topic_subscription", (s) => s.protocol === "lambda");
    expect(subscription.config.endpoint).to.equal(keeper.ref("arn"));
    expect(subscription.config.topic_arn).to.equal(one(json, "aws_sns_topic", (t) => String(t.name).endsWith("cache-events")).ref("arn"));
    const rule = one(json, "aws_cloudwatch_event_rule");
    expect(rule.config.schedule_expression).to.equal("rate(5 minutes)");
    expect(one(json, "aws_cloudwatch_event_target").config.arn).to.equal(keeper.ref("arn"));
    expect(keeper.config.reserved_concurrent_executions).to.equal(undefined);
    expect(keeper.config.vpc_config).to.equal(undefined);
    expect(((keeper.config.environment as ResourceConfig).variables as Record<string, string>).CNAME_TEMPLATE).to.equal("replica.cache.internal.");
  });

  it("every Lambda: current runtime, tracing, a DLQ, its own log group with retention and its own role", () => {
    const functions = of(json, "aws_lambda_function");
    expect(functions).to.have.length(7);
    const roles = new Set(functions.map(([, f]) => f.role));
    expect(roles.size).to.equal(7);
    for (const [, f] of functions) {
      expect(f).to.deep.include({ runtime: "nodejs22.x", tracing_config: { mode: "Active" } });
      expect(String((f.dead_letter_config as ResourceConfig).target_arn)).to.contain("aws_sqs_queue.");
      expect(String(f.source_code_hash)).to.match(/^\$\{filebase64sha256\(/);
    }
    expect(of(json, "aws_cloudwatch_log_group").every(([, g]) => g.retention_in_days === 30)).to.equal(true);
  });

  it("alarms: NewConnections > 1000 per minute on every node (as in the original), CPU, evictions, lag, and every Lambda's errors", () => {
    const alarms = of(json, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
    const newConnections = alarms.filter((a) => a.metric_name === "NewConnections");
    expect(newConnections.map((a) => (a.dimensions as Record<string, string>).CacheClusterId)).to.deep.equal([
      "ecp-cache-001",
      "ecp-cache-002",
      "ecp-cache-003",
    ]);
    expect(newConnections.every((a) => a.threshold === 1000 && a.statistic === "Maximum" && a.period === 60)).to.equal(true);
    for (const metric of ["CurrentConnections", "EngineCPUUtilization", "Evictions", "ReplicationLag"])
      expect(alarms.filter((a) => a.metric_name === metric)).to.have.length(3);
    expect(alarms.filter((a) => a.metric_name === "Errors")).to.have.length(7);
    const topic = one(json, "aws_sns_topic", (t) => String(t.name).endsWith("-alarms"));
    expect(alarms.every((a) => (a.alarm_actions as string[])[0] === topic.ref("arn"))).to.equal(true);
  });

  it("outputs what a user needs, the API key marked sensitive", () => {
    expect(Object.keys(json.output ?? {}).sort()).to.deep.equal([
      "api_key",
      "api_key_expires",
      "change_table",
      "dashboard_url",
      "feature_bucket",
      "feature_url",
      "graphql_url",
      "hosted_zone_id",
      "listener_autoscaling_group",
      "primary_endpoint",
      "reader_cnames",
      "reader_endpoint",
      "redis_auth_secret_arn",
      "rest_streaming_url",
      "rest_tokens_secret_arn",
      "rest_url",
    ]);
    expect(json.output?.api_key.sensitive).to.equal(true);
    expect(json.output?.reader_cnames.value).to.deep.equal(["replica1.cache.internal.", "replica2.cache.internal."]);
  });

  it("patterns switch off, and the feature store can have its own cluster-mode group", () => {
    const minimal = synth({ ...defaultConfig, patterns: { changeFeed: false, commandApi: false, featureStore: true, replicaDns: false } });
    expect(minimal.resource?.aws_appsync_graphql_api).to.equal(undefined);
    expect(minimal.resource?.aws_autoscaling_group).to.equal(undefined);
    expect(minimal.resource?.aws_route53_zone).to.equal(undefined);
    expect(
      of(minimal, "aws_vpc_endpoint")
        .map(([, e]) => String(e.service_name).split(".").pop())
        .sort(),
    ).to.deep.equal(["dynamodb", "s3", "secretsmanager"]);
    const dedicated = synth({ ...defaultConfig, featureStore: { ...defaultConfig.featureStore, dedicatedCluster: true } });
    const groups = of(dedicated, "aws_elasticache_replication_group").map(([, g]) => g);
    expect(groups).to.have.length(2);
    expect(groups.find((g) => g.num_node_groups)).to.deep.include({
      num_node_groups: 3,
      replicas_per_node_group: 1,
    });
    // Its own cluster-mode parameter group, with the engine's bounds too.
    const featureParameters = one(dedicated, "aws_elasticache_parameter_group", (p) => String(p.name).includes("features"));
    expect(groups.find((g) => g.num_node_groups)?.parameter_group_name).to.equal(featureParameters.ref("name"));
    expect(featureParameters.config.parameter).to.deep.equal([{ name: "cluster-enabled", value: "yes" }, ...engineParameters(defaultEngineLimits)]);
    const loader = one(dedicated, "aws_lambda_function", (f) => String(f.function_name).endsWith("feature-loader"));
    expect(((loader.config.environment as ResourceConfig).variables as Record<string, string>).REDIS_CLUSTER).to.equal("true");
  });

  it("Terraform Cloud: a named workspace per stack when TFC_ORGANIZATION is set, a local backend otherwise", () => {
    expect((json.terraform?.backend as Record<string, unknown>).local).to.deep.equal({ path: "../../../.state/test.tfstate" });
    const cloud = synth(configFromEnvironment({ TFC_ORGANIZATION: "acme", TFC_WORKSPACE_PREFIX: "cache" }));
    expect(cloud.terraform?.cloud).to.deep.equal({ organization: "acme", workspaces: { name: "cache-test" } });
  });

  it("configuration: overrides from the environment, and clear errors before synthesis", () => {
    const config = configFromEnvironment({ ECP_NAME: "prod", AWS_REGION: "eu-west-1", ECP_CACHE_REPLICAS: "3", ECP_COMMAND_API: "false" });
    expect(config).to.deep.include({ name: "prod", region: "eu-west-1" });
    expect(config.cache.replicas).to.equal(3);
    expect(config.patterns.commandApi).to.equal(false);
    expect(() => configFromEnvironment({ ECP_CACHE_REPLICAS: "0" })).to.throw(/Multi-AZ failover needs 1 to 5 replicas/);
    expect(() => configFromEnvironment({ ECP_NAME: "Bad_Name" })).to.throw(/name "Bad_Name"/);
    expect(() => configFromEnvironment({ ECP_CACHE_REPLICAS: "two" })).to.throw(/ECP_CACHE_REPLICAS must be a whole number/);
    expect(() => configFromEnvironment({ ECP_CHANGE_FEED: "flase" })).to.throw(/ECP_CHANGE_FEED must be true or false, got "flase"/);
    expect(() => configFromEnvironment({ ECP_KEEPER_RESERVED_CONCURRENCY: "0" })).to.throw(/ECP_KEEPER_RESERVED_CONCURRENCY must be a whole number > 0/);
  });
});
