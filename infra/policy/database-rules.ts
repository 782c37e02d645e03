// Rules for the change feed's SQL destinations: Aurora clusters, their instances, parameter groups and
// RDS Proxy. Each names the checkov id it follows, when there is one.
import { list, referencesTo, truthy, type PolicyRule, type ResourceConfig } from "./terraform-json.js";

/** The parameter that makes each engine refuse a connection without TLS. */
const tlsParameters: Record<string, string> = { "rds.force_ssl": "1", require_secure_transport: "ON" };

export const databaseRules: PolicyRule[] = [
  {
    id: "ECP-AURORA-ENCRYPTED",
    checkov: "CKV_AWS_96, CKV_AWS_327",
    title: "Aurora clusters encrypt storage with a customer-managed key",
    types: ["aws_rds_cluster"],
    check: (r) => (!truthy(r.storage_encrypted) ? "storage_encrypted is not true" : !r.kms_key_id ? "no kms_key_id (customer-managed key)" : undefined),
  },
  {
    id: "ECP-AURORA-IAM-AUTH",
    checkov: "CKV_AWS_162",
    title: "Aurora clusters take IAM authentication",
    types: ["aws_rds_cluster"],
    check: (r) => (truthy(r.iam_database_authentication_enabled) ? undefined : "iam_database_authentication_enabled is not true"),
  },
  {
    id: "ECP-AURORA-MANAGED-PASSWORD",
    title: "No Aurora master password in the configuration: RDS keeps it in a secret of its own, encrypted with the stack's key, and rotates it",
    types: ["aws_rds_cluster"],
    check: (r) =>
      r.master_password !== undefined
        ? "master_password is set (it would sit in the plan and the state)"
        : !truthy(r.manage_master_user_password)
          ? "manage_master_user_password is not true"
          : !r.master_user_secret_kms_key_id
            ? "no master_user_secret_kms_key_id (customer-managed key)"
            : undefined,
  },
  {
    id: "ECP-AURORA-TLS-REQUIRED",
    title: "Aurora clusters refuse connections without TLS (rds.force_ssl / require_secure_transport in their parameter group)",
    types: ["aws_rds_cluster"],
    check: (r, _name, all) => {
      const group = referencesTo(r.db_cluster_parameter_group_name, "aws_rds_cluster_parameter_group")[0];
      const parameters = list<ResourceConfig>(all.resource?.aws_rds_cluster_parameter_group?.[group ?? ""]?.parameter);
      return parameters.some((p) => tlsParameters[String(p.name)] === String(p.value)) ? undefined : "its parameter group does not require TLS";
    },
  },
  {
    id: "ECP-AURORA-BACKUPS",
    checkov: "CKV_AWS_133",
    title: "Aurora clusters keep at least 7 days of backups",
    types: ["aws_rds_cluster"],
    check: (r) => (Number(r.backup_retention_period ?? 1) >= 7 ? undefined : `backup_retention_period is ${String(r.backup_retention_period ?? 1)}`),
  },
  {
    id: "ECP-DB-INSTANCE-PRIVATE",
    checkov: "CKV_AWS_17",
    title: "Database instances are not publicly accessible",
    types: ["aws_rds_cluster_instance"],
    check: (r) => (truthy(r.publicly_accessible) ? "publicly_accessible is true" : undefined),
  },
  {
    id: "ECP-DB-PROXY-TLS-IAM",
    title: "RDS Proxy requires TLS and an IAM token of every client",
    types: ["aws_db_proxy"],
    check: (r) => {
      if (!truthy(r.require_tls)) return "require_tls is not true";
      const open = list<ResourceConfig>(r.auth).find((a) => a.iam_auth !== "REQUIRED");
      return open ? `an auth entry's iam_auth is ${String(open.iam_auth ?? "DISABLED")}, not REQUIRED` : undefined;
    },
  },
];
