// Rules for what runs: Lambda functions, AppSync, API Gateway stages and the listener instance.
import { list, secretName, truthy, type PolicyRule, type ResourceConfig } from "./terraform-json.js";
import { allowedBySettingTag } from "../conventions.js";

/** The listener runs from a launch template; a plain instance gets the same rules. */
const ec2Types = ["aws_instance", "aws_launch_template"];

export const computeRules: PolicyRule[] = [
  {
    id: "ECP-LAMBDA-TRACING",
    checkov: "CKV_AWS_50",
    title: "Lambda functions have active X-Ray tracing",
    types: ["aws_lambda_function"],
    check: (r) => ((r.tracing_config as ResourceConfig | undefined)?.mode === "Active" ? undefined : "tracing_config.mode is not Active"),
  },
  {
    id: "ECP-LAMBDA-DLQ",
    checkov: "CKV_AWS_116",
    title: "Lambda functions have a dead-letter target for asynchronous invocations",
    types: ["aws_lambda_function"],
    check: (r) => ((r.dead_letter_config as ResourceConfig | undefined)?.target_arn ? undefined : "no dead_letter_config.target_arn"),
  },
  {
    id: "ECP-LAMBDA-RUNTIME",
    checkov: "CKV_AWS_363",
    title: "Lambda functions use a current Node.js runtime (nodejs22.x or later)",
    types: ["aws_lambda_function"],
    check: (r) => {
      const match = /^nodejs(\d+)\.x$/.exec(String(r.runtime));
      return match && Number(match[1]) >= 22 ? undefined : `runtime ${r.runtime} is not nodejs22.x or later`;
    },
  },
  {
    id: "ECP-LAMBDA-ENV-ENCRYPTED",
    checkov: "CKV_AWS_173",
    title: "Lambda environment variables are encrypted with a customer-managed key",
    types: ["aws_lambda_function"],
    check: (r) => (r.kms_key_arn ? undefined : "no kms_key_arn"),
  },
  {
    id: "ECP-LAMBDA-NO-SECRETS-IN-ENV",
    checkov: "CKV_AWS_45",
    title: "Lambda environment variables hold no secrets (secret ARNs only)",
    types: ["aws_lambda_function"],
    check: (r) => {
      const variables = ((r.environment as ResourceConfig | undefined)?.variables ?? {}) as Record<string, string>;
      const secret = Object.keys(variables).find((k) => secretName.test(k));
      return secret ? `environment variable ${secret} looks like a secret: pass a Secrets Manager ARN instead` : undefined;
    },
  },
  {
    id: "ECP-LAMBDA-REDIS-IN-VPC",
    checkov: "CKV_AWS_117",
    title: "Lambda functions that talk to Redis run in the VPC",
    types: ["aws_lambda_function"],
    check: (r) => {
      const variables = ((r.environment as ResourceConfig | undefined)?.variables ?? {}) as Record<string, string>;
      const subnets = list((r.vpc_config as ResourceConfig | undefined)?.subnet_ids);
      return variables.REDIS_URL && subnets.length === 0 ? "talks to Redis (REDIS_URL) but has no vpc_config" : undefined;
    },
  },
  {
    id: "ECP-APPSYNC-LOGGING",
    checkov: "CKV_AWS_193, CKV_AWS_194",
    title: "AppSync APIs log (field level) and trace",
    types: ["aws_appsync_graphql_api"],
    check: (r) => {
      const log = r.log_config as ResourceConfig | undefined;
      if (!log?.cloudwatch_logs_role_arn) return "no log_config";
      if (!log.field_log_level || log.field_log_level === "NONE") return "field_log_level is NONE";
      return truthy(r.xray_enabled) ? undefined : "xray_enabled is not true";
    },
  },
  {
    id: "ECP-APPSYNC-NO-INTROSPECTION",
    title: "AppSync APIs answer no introspection: the schema is not described to whoever holds a key (a setting may allow it)",
    types: ["aws_appsync_graphql_api"],
    check: (r) =>
      r.introspection_config === "DISABLED" || (r.tags as ResourceConfig | undefined)?.[allowedBySettingTag] === "introspection"
        ? undefined
        : `introspection_config is ${String(r.introspection_config ?? "ENABLED (the default)")}`,
  },
  {
    id: "ECP-APPSYNC-BOUNDED",
    title: "AppSync APIs cap the resolvers one request may invoke and the query depth (a document's aliases cannot multiply the per-request limits)",
    types: ["aws_appsync_graphql_api"],
    check: (r) => {
      const resolvers = Number(r.resolver_count_limit ?? 0);
      if (!(resolvers >= 1 && resolvers <= 100)) return `resolver_count_limit is ${r.resolver_count_limit ?? "unset"} (AppSync's default: 10,000)`;
      const depth = Number(r.query_depth_limit ?? 0);
      return depth >= 1 && depth <= 20 ? undefined : `query_depth_limit is ${r.query_depth_limit ?? "unset"} (unlimited)`;
    },
  },
  {
    id: "ECP-API-STAGE-ACCESS-LOGS",
    checkov: "CKV_AWS_76",
    title: "API Gateway stages write access logs",
    types: ["aws_apigatewayv2_stage"],
    check: (r) => ((r.access_log_settings as ResourceConfig | undefined)?.destination_arn ? undefined : "no access_log_settings.destination_arn"),
  },
  {
    id: "ECP-API-STAGE-THROTTLING",
    title: "API Gateway stages throttle requests (rate and burst)",
    types: ["aws_apigatewayv2_stage"],
    check: (r) => {
      const settings = r.default_route_settings as ResourceConfig | undefined;
      return Number(settings?.throttling_rate_limit) > 0 && Number(settings?.throttling_burst_limit) > 0
        ? undefined
        : "default_route_settings has no throttling";
    },
  },
  {
    id: "ECP-EC2-IMDSV2",
    checkov: "CKV_AWS_79",
    title: "EC2 instances and launch templates require IMDSv2",
    types: ec2Types,
    check: (r) => ((r.metadata_options as ResourceConfig | undefined)?.http_tokens === "required" ? undefined : "metadata_options.http_tokens is not required"),
  },
  {
    id: "ECP-EC2-EBS-ENCRYPTED",
    checkov: "CKV_AWS_8",
    title: "EC2 root volumes are encrypted",
    types: ec2Types,
    check: (r) => {
      const volumes = r.root_block_device ? [r.root_block_device] : list<ResourceConfig>(r.block_device_mappings).map((m) => m.ebs);
      return volumes.length && volumes.every((v) => truthy((v as ResourceConfig | undefined)?.encrypted)) ? undefined : "a root volume is not encrypted";
    },
  },
  {
    id: "ECP-EC2-NO-PUBLIC-IP",
    checkov: "CKV_AWS_88",
    title: "EC2 instances have no public IP",
    types: ec2Types,
    check: (r) => {
      const settings = r.network_interfaces
        ? list<ResourceConfig>(r.network_interfaces).map((n) => n.associate_public_ip_address)
        : [r.associate_public_ip_address];
      return settings.every((v) => v === false || v === "false") ? undefined : "associate_public_ip_address is not false";
    },
  },
  {
    id: "ECP-EC2-ROLE-NO-SECRETS",
    checkov: "CKV2_AWS_41, CKV_AWS_46",
    title: "EC2 instances have an IAM role and no secrets in user data",
    types: ec2Types,
    check: (r) =>
      !r.iam_instance_profile
        ? "no iam_instance_profile"
        : /(password|secret_access_key|auth_token)\s*[=:]/i.test(String(r.user_data ?? ""))
          ? "user_data appears to contain a secret"
          : undefined,
  },
];
