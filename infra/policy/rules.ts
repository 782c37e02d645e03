// The policy suite: named rules in the spirit of checkov and trivy, run over every resource of the
// synthesized Terraform JSON. Each rule names the checkov id it follows, when there is one.

export type ResourceConfig = Record<string, unknown>;

export interface TerraformJson {
  resource?: Record<string, Record<string, ResourceConfig>>;
}

export interface PolicyRule {
  id: string;
  /** The checkov (or trivy) checks this rule stands for. */
  checkov?: string;
  title: string;
  types: string[];
  /** A reason when the resource breaks the rule; undefined when it passes. */
  check(resource: ResourceConfig, name: string, all: TerraformJson): string | undefined;
}

export interface PolicyFinding {
  rule: string;
  resource: string;
  message: string;
}

const truthy = (v: unknown) => v === true || v === "true";
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]) as T[];
const resources = (all: TerraformJson, type: string) => Object.entries(all.resource?.[type] ?? {});
/** Another resource that names this one, e.g. the public access block of a bucket. */
const referencedBy = (all: TerraformJson, type: string, attribute: string, target: string) =>
  resources(all, type).filter(([, r]) => String(r[attribute] ?? "").includes(target));
/** The bucket's own configuration resource of `type` (public access block, versioning, ...). */
const bucketPart = (all: TerraformJson, type: string, bucket: string) => referencedBy(all, type, "bucket", `aws_s3_bucket.${bucket}.`)[0]?.[1];

interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
}

function wildcardActions(policy: unknown): string[] {
  if (typeof policy !== "string" || !policy.trim().startsWith("{")) return [];
  let document: { Statement?: PolicyStatement | PolicyStatement[] };
  try {
    document = JSON.parse(policy);
  } catch {
    return [];
  }
  return list<PolicyStatement>(document.Statement)
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => list<string>(s.Action))
    .filter((a) => a === "*" || a.endsWith(":*"));
}

const secretName = /(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY)$/i;

export const rules: PolicyRule[] = [
  {
    id: "ECP-CACHE-AT-REST",
    checkov: "CKV_AWS_29, CKV_AWS_191",
    title: "ElastiCache replication groups encrypt at rest with a customer-managed key",
    types: ["aws_elasticache_replication_group"],
    check: (r) =>
      !truthy(r.at_rest_encryption_enabled) ? "at_rest_encryption_enabled is not true" : !r.kms_key_id ? "no kms_key_id (customer-managed key)" : undefined,
  },
  {
    id: "ECP-CACHE-IN-TRANSIT",
    checkov: "CKV_AWS_30, CKV_AWS_31",
    title: "ElastiCache replication groups encrypt in transit and require AUTH or RBAC",
    types: ["aws_elasticache_replication_group"],
    check: (r) =>
      !truthy(r.transit_encryption_enabled)
        ? "transit_encryption_enabled is not true"
        : !r.auth_token && !r.user_group_ids
          ? "neither auth_token nor user_group_ids"
          : undefined,
  },
  {
    id: "ECP-CACHE-FAILOVER",
    checkov: "CKV2_AWS_50",
    title: "ElastiCache replication groups are Multi-AZ with automatic failover and keep snapshots",
    types: ["aws_elasticache_replication_group"],
    check: (r) =>
      !truthy(r.automatic_failover_enabled)
        ? "automatic_failover_enabled is not true"
        : !truthy(r.multi_az_enabled)
          ? "multi_az_enabled is not true"
          : !(Number(r.snapshot_retention_limit) > 0)
            ? "snapshot_retention_limit is not set"
            : undefined,
  },
  {
    id: "ECP-DYNAMODB-PITR",
    checkov: "CKV_AWS_28",
    title: "DynamoDB tables have point-in-time recovery",
    types: ["aws_dynamodb_table"],
    check: (r) => (truthy((r.point_in_time_recovery as ResourceConfig | undefined)?.enabled) ? undefined : "point_in_time_recovery is not enabled"),
  },
  {
    id: "ECP-DYNAMODB-CMK",
    checkov: "CKV_AWS_119",
    title: "DynamoDB tables are encrypted with a customer-managed key",
    types: ["aws_dynamodb_table"],
    check: (r) => {
      const sse = r.server_side_encryption as ResourceConfig | undefined;
      return truthy(sse?.enabled) && sse?.kms_key_arn ? undefined : "server_side_encryption with kms_key_arn is not set";
    },
  },
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
    id: "ECP-S3-PUBLIC-ACCESS-BLOCKED",
    checkov: "CKV2_AWS_6",
    title: "S3 buckets block every kind of public access",
    types: ["aws_s3_bucket"],
    check: (_r, name, all) => {
      const block = bucketPart(all, "aws_s3_bucket_public_access_block", name);
      if (!block) return "no aws_s3_bucket_public_access_block";
      const missing = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].filter((k) => !truthy(block[k]));
      return missing.length ? `public access block leaves ${missing.join(", ")} off` : undefined;
    },
  },
  {
    id: "ECP-S3-ENCRYPTED-KMS",
    checkov: "CKV_AWS_145",
    title: "S3 buckets encrypt with a customer-managed KMS key",
    types: ["aws_s3_bucket"],
    check: (_r, name, all) => {
      const sse = bucketPart(all, "aws_s3_bucket_server_side_encryption_configuration", name);
      const rule = list<ResourceConfig>(sse?.rule)[0];
      const defaults =
        list<ResourceConfig>(rule?.apply_server_side_encryption_by_default)[0] ?? (rule?.apply_server_side_encryption_by_default as ResourceConfig | undefined);
      return defaults?.sse_algorithm === "aws:kms" && defaults.kms_master_key_id ? undefined : "no SSE-KMS with a customer-managed key";
    },
  },
  {
    id: "ECP-S3-VERSIONED",
    checkov: "CKV_AWS_21",
    title: "S3 buckets are versioned",
    types: ["aws_s3_bucket"],
    check: (_r, name, all) => {
      const versioning = bucketPart(all, "aws_s3_bucket_versioning", name);
      return (versioning?.versioning_configuration as ResourceConfig | undefined)?.status === "Enabled" ? undefined : "versioning is not Enabled";
    },
  },
  {
    id: "ECP-S3-ACLS-DISABLED",
    checkov: "CKV2_AWS_65",
    title: "S3 buckets disable ACLs (BucketOwnerEnforced)",
    types: ["aws_s3_bucket"],
    check: (_r, name, all) => {
      const ownership = bucketPart(all, "aws_s3_bucket_ownership_controls", name);
      return (ownership?.rule as ResourceConfig | undefined)?.object_ownership === "BucketOwnerEnforced"
        ? undefined
        : "object ownership is not BucketOwnerEnforced";
    },
  },
  {
    id: "ECP-EC2-IMDSV2",
    checkov: "CKV_AWS_79",
    title: "EC2 instances require IMDSv2",
    types: ["aws_instance"],
    check: (r) => ((r.metadata_options as ResourceConfig | undefined)?.http_tokens === "required" ? undefined : "metadata_options.http_tokens is not required"),
  },
  {
    id: "ECP-EC2-EBS-ENCRYPTED",
    checkov: "CKV_AWS_8",
    title: "EC2 root volumes are encrypted",
    types: ["aws_instance"],
    check: (r) => (truthy((r.root_block_device as ResourceConfig | undefined)?.encrypted) ? undefined : "root_block_device is not encrypted"),
  },
  {
    id: "ECP-EC2-NO-PUBLIC-IP",
    checkov: "CKV_AWS_88",
    title: "EC2 instances have no public IP",
    types: ["aws_instance"],
    check: (r) =>
      r.associate_public_ip_address === false || r.associate_public_ip_address === "false" ? undefined : "associate_public_ip_address is not false",
  },
  {
    id: "ECP-EC2-ROLE-NO-SECRETS",
    checkov: "CKV2_AWS_41, CKV_AWS_46",
    title: "EC2 instances have an IAM role and no secrets in user data",
    types: ["aws_instance"],
    check: (r) =>
      !r.iam_instance_profile
        ? "no iam_instance_profile"
        : /(password|secret_access_key|auth_token)\s*[=:]/i.test(String(r.user_data ?? ""))
          ? "user_data appears to contain a secret"
          : undefined,
  },
  {
    id: "ECP-SUBNET-NO-AUTO-PUBLIC-IP",
    checkov: "CKV_AWS_130",
    title: "Subnets do not give instances public IPs",
    types: ["aws_subnet"],
    check: (r) => (truthy(r.map_public_ip_on_launch) ? "map_public_ip_on_launch is true" : undefined),
  },
  {
    id: "ECP-NO-WORLD-INGRESS",
    checkov: "CKV_AWS_24, CKV_AWS_260",
    title: "No security group admits traffic from 0.0.0.0/0 or ::/0",
    types: ["aws_vpc_security_group_ingress_rule", "aws_security_group"],
    check: (r) => {
      const world = (cidrs: unknown[]) => cidrs.some((c) => c === "0.0.0.0/0" || c === "::/0");
      if (world([r.cidr_ipv4, r.cidr_ipv6])) return "ingress from the whole internet";
      const inline = list<ResourceConfig>(r.ingress).some((i) => world([...list(i.cidr_blocks), ...list(i.ipv6_cidr_blocks)]));
      return inline ? "inline ingress from the whole internet" : undefined;
    },
  },
  {
    id: "ECP-IAM-NO-WILDCARD-ACTIONS",
    title: "No policy allows `*` or `service:*` actions",
    types: ["aws_iam_role_policy", "aws_iam_policy", "aws_kms_key", "aws_sns_topic_policy", "aws_s3_bucket_policy", "aws_sqs_queue_policy"],
    check: (r) => {
      const wild = wildcardActions(r.policy);
      return wild.length ? `allows ${wild.join(", ")}` : undefined;
    },
  },
  {
    id: "ECP-LOGS-RETENTION-KMS",
    checkov: "CKV_AWS_66, CKV_AWS_338, CKV_AWS_158",
    title: "Log groups have a retention period and a customer-managed key",
    types: ["aws_cloudwatch_log_group"],
    check: (r) => (!(Number(r.retention_in_days) > 0) ? "no retention_in_days" : !r.kms_key_id ? "no kms_key_id" : undefined),
  },
  {
    id: "ECP-SNS-ENCRYPTED",
    checkov: "CKV_AWS_26",
    title: "SNS topics are KMS-encrypted, except ElastiCache's notification topic (ElastiCache cannot publish to an encrypted topic)",
    types: ["aws_sns_topic"],
    check: (r, name, all) => {
      if (r.kms_master_key_id) return undefined;
      const cacheTopic = resources(all, "aws_elasticache_replication_group").some(([, g]) =>
        String(g.notification_topic_arn ?? "").includes(`aws_sns_topic.${name}.`),
      );
      return cacheTopic ? undefined : "no kms_master_key_id";
    },
  },
  {
    id: "ECP-SQS-ENCRYPTED",
    checkov: "CKV_AWS_27",
    title: "SQS queues are encrypted",
    types: ["aws_sqs_queue"],
    check: (r) => (r.kms_master_key_id || truthy(r.sqs_managed_sse_enabled) ? undefined : "neither kms_master_key_id nor sqs_managed_sse_enabled"),
  },
  {
    id: "ECP-SECRETS-CMK",
    checkov: "CKV_AWS_149",
    title: "Secrets are encrypted with a customer-managed key",
    types: ["aws_secretsmanager_secret"],
    check: (r) => (r.kms_key_id ? undefined : "no kms_key_id"),
  },
  {
    id: "ECP-KMS-ROTATION",
    checkov: "CKV_AWS_7",
    title: "KMS keys rotate",
    types: ["aws_kms_key"],
    check: (r) => (truthy(r.enable_key_rotation) ? undefined : "enable_key_rotation is not true"),
  },
  {
    id: "ECP-VPC-FLOW-LOGS-DEFAULT-SG",
    checkov: "CKV2_AWS_11, CKV2_AWS_12",
    title: "VPCs have flow logs and a default security group that admits nothing",
    types: ["aws_vpc"],
    check: (_r, name, all) => {
      const ref = `aws_vpc.${name}.`;
      if (!referencedBy(all, "aws_flow_log", "vpc_id", ref).length) return "no aws_flow_log";
      const defaults = referencedBy(all, "aws_default_security_group", "vpc_id", ref);
      if (!defaults.length) return "the default security group is not managed";
      return defaults.some(([, g]) => list(g.ingress).length || list(g.egress).length) ? "the default security group has rules" : undefined;
    },
  },
];

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
