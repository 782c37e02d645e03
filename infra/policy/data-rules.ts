// Rules for where data lives: the cache, tables, buckets, logs, topics, queues, secrets and keys.
import { bucketPart, list, resources, truthy, type PolicyRule, type ResourceConfig } from "./terraform-json.js";

export const dataRules: PolicyRule[] = [
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
    id: "ECP-CACHE-DEFAULT-USER-OFF",
    title: "An ElastiCache user group's `default` user (which every group must hold) is off: each client logs in as its own user",
    types: ["aws_elasticache_user_group"],
    check: (r, _name, all) => {
      const members = list<string>(r.user_ids).join(" ");
      const defaults = Object.entries(all.resource?.aws_elasticache_user ?? {}).filter(
        ([name, u]) => u.user_name === "default" && (members.includes(`aws_elasticache_user.${name}.`) || members.includes(String(u.user_id))),
      );
      if (defaults.length === 0) return "no user named default among its users";
      const open = defaults.find(([, u]) => !String(u.access_string ?? "").startsWith("off"));
      return open ? `its default user's access string "${open[1].access_string}" is not off` : undefined;
    },
  },
  {
    id: "ECP-CACHE-USER-HAS-PASSWORD",
    title: "No ElastiCache engine user is password-less: Valkey refuses one at CreateUser (even a disabled one), and on Redis OSS it is an open door",
    types: ["aws_elasticache_user"],
    check: (r) => {
      const mode = (list<ResourceConfig>(r.authentication_mode)[0] ?? {}) as ResourceConfig;
      if (truthy(r.no_password_required) || mode.type === "no-password-required") return `user ${String(r.user_name)} requires no password`;
      const byIam = mode.type === "iam";
      return byIam || list(r.passwords).length > 0 || list(mode.passwords).length > 0
        ? undefined
        : `user ${String(r.user_name)} has neither passwords nor IAM authentication`;
    },
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
];
