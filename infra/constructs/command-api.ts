// Command API: AppSync (API key) with a Direct Lambda Resolver for each field, field-level
// logs and X-Ray; and the Upstash-compatible REST endpoint on an HTTP API, both over the same core;
// and the same REST protocol with its subscription streams on a REST API that can stream.
import { gatewayEnvironment } from "../../domain/command-gateway/settings.js";
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { AppsyncApiKey } from "@cdktf/provider-aws/lib/appsync-api-key";
import { AppsyncDatasource } from "@cdktf/provider-aws/lib/appsync-datasource";
import { AppsyncGraphqlApi } from "@cdktf/provider-aws/lib/appsync-graphql-api";
import { AppsyncResolver } from "@cdktf/provider-aws/lib/appsync-resolver";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Password } from "@cdktf/provider-random/lib/password";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { appSyncSchema } from "../appsync-schema.js";
import { allowedBySettingTag } from "../conventions.js";
import { functionDefaults, type DataPathProps } from "./data-path.js";
import { HttpApi } from "./http-api.js";
import { maxStreamMilliseconds, StreamingRestApi } from "./streaming-rest-api.js";
import { NodejsFunction, type FunctionDefaults, type RedisAccess } from "./nodejs-function.js";
import { Secret } from "./secret.js";
import { gatewayConcurrency } from "../gateway-concurrency.js";
import { assumeRolePolicy, policyDocument } from "./policy.js";

/** The schema's root fields, each resolved by the Lambda directly (no mapping templates). */
export const resolvedFields = [
  ["Query", "read"],
  ["Query", "getRedis"],
  ["Mutation", "run"],
  ["Mutation", "putRedis"],
] as const;

export class CommandApi extends Construct {
  readonly graphql: AppsyncGraphqlApi;
  readonly apiKey: AppsyncApiKey;
  readonly resolver: NodejsFunction;
  readonly rest: HttpApi;
  readonly redisRest: NodejsFunction;
  readonly redisSubscribe: NodejsFunction;
  readonly streamingRest: StreamingRestApi;
  readonly restTokens: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: DataPathProps) {
    super(scope, id);
    const { config, cache } = props;
    const defaults = functionDefaults(props);
    const redis = cache.clientAccess("gateway");
    const environment = gatewayEnvironment(config.commandApi.gateway);
    const { reservedConcurrency: reserved } = config.commandApi;
    // Containers x the output-buffer limit per connection must fit the node (infra/gateway-concurrency.ts).
    const reservedConcurrency = reserved === "auto" ? gatewayConcurrency(config.cache.nodeType, config.cache.engineLimits.outputBufferHardBytes) : reserved;

    this.resolver = new NodejsFunction(this, "resolver", {
      defaults,
      dataPath: "command-gateway",
      bundle: "command-api",
      redis,
      environment,
      reservedConcurrency,
    });
    this.graphql = this.graphqlApi(props);
    // Without `expires` AppSync ends the key after 7 days. It lives the configured days from its
    // creation; `timestamp()` would move it on every plan, so later plans leave it (docs/deploying.md: Secrets).
    this.apiKey = new AppsyncApiKey(this, "api-key", {
      apiId: this.graphql.id,
      description: "command API console and scripts",
      expires: Fn.timeadd(Fn.timestamp(), `${config.commandApi.apiKeyExpiryDays * 24}h`),
      lifecycle: { ignoreChanges: ["expires"] },
    });
    this.resolveFieldsWith(props, this.resolver);

    this.restTokens = this.generatedRestTokens(props);
    const rest = this.restEndpoints(props, { redis, environment, reservedConcurrency, defaults });
    ({ redisRest: this.redisRest, rest: this.rest, redisSubscribe: this.redisSubscribe, streamingRest: this.streamingRest } = rest);
  }

  /** The Upstash REST protocol: its function on an HTTP API, and with its streaming twin on a REST API that can stream. */
  private restEndpoints(
    props: DataPathProps,
    shared: { redis: RedisAccess; environment: Record<string, string>; reservedConcurrency?: number; defaults: FunctionDefaults },
  ) {
    const { config, encryption } = props;
    const { redis, environment, reservedConcurrency, defaults } = shared;
    const redisRest = new NodejsFunction(this, "redis-rest", {
      dataPath: "command-gateway",
      defaults,
      bundle: "redis-rest",
      redis,
      reservedConcurrency,
      environment: { ...environment, REST_TOKENS_SECRET_ARN: this.restTokens.arn },
      statements: [{ sid: "RestTokens", actions: ["secretsmanager:GetSecretValue"], resources: [this.restTokens.arn] }],
    });
    const rest = new HttpApi(this, "rest-api", {
      name: `${props.name}-redis-rest`,
      target: redisRest,
      routes: ["ANY /", "ANY /{proxy+}"],
      throttle: config.commandApi.throttle,
      encryption,
      logRetentionDays: config.logRetentionDays,
    });
    // The same bundle's streaming entry: one invocation per subscription stream, for its whole lifetime.
    const redisSubscribe = new NodejsFunction(this, "redis-subscribe", {
      dataPath: "command-gateway",
      defaults,
      bundle: "redis-rest",
      name: "redis-subscribe",
      handler: "subscribe",
      redis,
      memorySize: 256,
      timeout: maxStreamMilliseconds / 1000,
      reservedConcurrency: config.commandApi.subscribeConcurrency,
      environment: { ...environment, REST_TOKENS_SECRET_ARN: this.restTokens.arn },
      statements: [{ sid: "RestTokens", actions: ["secretsmanager:GetSecretValue"], resources: [this.restTokens.arn] }],
    });
    const streamingRest = new StreamingRestApi(this, "streaming-rest-api", {
      name: props.name,
      buffered: redisRest,
      streaming: redisSubscribe,
      throttle: config.commandApi.throttle,
      encryption,
      logRetentionDays: config.logRetentionDays,
    });
    return { redisRest, rest, redisSubscribe, streamingRest };
  }

  /** The API with its limits, logging errors (no verbose content) to an encrypted group. */
  private graphqlApi(props: DataPathProps): AppsyncGraphqlApi {
    const { config } = props;
    const logRole = new IamRole(this, "appsync-logs-role", { name: `${props.name}-appsync-logs`, assumeRolePolicy: assumeRolePolicy("appsync.amazonaws.com") });
    const graphql = new AppsyncGraphqlApi(this, "graphql", {
      name: `${props.name}-command-api`,
      authenticationType: "API_KEY",
      schema: appSyncSchema(readFileSync(resolve("schema", "command-api.graphql"), "utf8")),
      xrayEnabled: true,
      // AppSync runs the resolver once per root field: this caps a document's fields, so the
      // gateway's per-request limits hold per HTTP request (the local server shares one budget).
      resolverCountLimit: config.commandApi.gateway.maxFieldsPerRequest,
      // The schema nests two levels (a field and its reply's scalars); nothing deeper is needed.
      queryDepthLimit: 4,
      // The schema is in this repository; introspection would describe it to any key holder.
      introspectionConfig: config.commandApi.introspection ? "ENABLED" : "DISABLED",
      tags: config.commandApi.introspection ? { [allowedBySettingTag]: "introspection" } : undefined,
      logConfig: { cloudwatchLogsRoleArn: logRole.arn, fieldLogLevel: "ERROR", excludeVerboseContent: true },
    });
    const logs = new CloudwatchLogGroup(this, "appsync-logs", {
      name: `/aws/appsync/apis/${graphql.id}`,
      retentionInDays: config.logRetentionDays,
      kmsKeyId: props.encryption.key.arn,
    });
    new IamRolePolicy(this, "appsync-logs-policy", {
      role: logRole.id,
      policy: policyDocument([{ actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${logs.arn}:*`] }]),
    });
    return graphql;
  }

  /** Every root field of the schema resolved by the one function, through a data source that may only invoke it. */
  private resolveFieldsWith(props: DataPathProps, resolver: NodejsFunction): void {
    const invokeRole = new IamRole(this, "datasource-role", {
      name: `${props.name}-appsync-lambda`,
      assumeRolePolicy: assumeRolePolicy("appsync.amazonaws.com"),
    });
    new IamRolePolicy(this, "datasource-policy", {
      role: invokeRole.id,
      policy: policyDocument([{ actions: ["lambda:InvokeFunction"], resources: [resolver.function.arn] }]),
    });
    const dataSource = new AppsyncDatasource(this, "datasource", {
      apiId: this.graphql.id,
      name: "redis",
      type: "AWS_LAMBDA",
      serviceRoleArn: invokeRole.arn,
      lambdaConfig: { functionArn: resolver.function.arn },
    });
    for (const [type, field] of resolvedFields) {
      new AppsyncResolver(this, `resolver-${type}-${field}`, { apiId: this.graphql.id, type, field, dataSource: dataSource.name, kind: "UNIT" });
    }
  }

  /** REST: read-write and read-only tokens, generated once and kept in Secrets Manager for the function. */
  private generatedRestTokens(props: DataPathProps): SecretsmanagerSecret {
    const token = (name: string) => new Password(this, name, { length: 48, special: false });
    return new Secret(this, "rest-tokens", {
      namePrefix: `${props.name}/rest-tokens`,
      description: "The REST API's read-write and read-only tokens",
      encryption: props.encryption,
      recoveryWindowDays: props.config.secretRecoveryWindowDays,
      value: `{"readWrite":["${token("rest-token").result}"],"readOnly":["${token("rest-read-only-token").result}"]}`,
    }).secret;
  }
}
