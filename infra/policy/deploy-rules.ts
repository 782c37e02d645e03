// Rules for applying and destroying as AWS would: ordering, first boot, updates, services that publish
// to us, permissions the services need, and `make destroy` in one run. No checkov ids: these are ours.
import { flowLogActions, lambdaVpcActions, retainTag } from "../conventions.js";
import { replaceableName } from "../naming.js";
import { list, referencedBy, referencesTo, resources, truthy, type PolicyRule, type ResourceConfig, type TerraformJson } from "./terraform-json.js";

const retained = (r: ResourceConfig) => (r.tags as Record<string, string> | undefined)?.[retainTag] === "true";
const address = (type: string, name: string) => `${type}.${name}`;

/** The actions of the policies attached to the role a resource names in `attribute` (`${aws_iam_role.X.arn}`). */
function roleActions(all: TerraformJson, roleReference: unknown): string[] {
  const role = /aws_iam_role\.([^.}]+)\./.exec(String(roleReference ?? ""))?.[1];
  if (!role) return [];
  return referencedBy(all, "aws_iam_role_policy", "role", `aws_iam_role.${role}.`).flatMap(([, p]) => {
    const statements = list<{ Effect?: string; Action?: string | string[] }>((JSON.parse(String(p.policy)) as { Statement?: unknown }).Statement);
    return statements.filter((s) => s.Effect === "Allow").flatMap((s) => list<string>(s.Action));
  });
}

const missing = (granted: string[], needed: string[]) => needed.filter((a) => !granted.includes(a));

/** The addresses of the resources of `type` that reference a resource named in `targets` through `attributes`. */
const dependents = (all: TerraformJson, type: string, attributes: string[], targetType: string, targets: string[]): string[] =>
  resources(all, type)
    .filter(([, r]) => attributes.some((a) => referencesTo(r[a], targetType).some((t) => targets.includes(t))))
    .map(([n]) => address(type, n));

/** The launch template of an Auto Scaling group (or the instance itself), where its network and role are set. */
function hostSettings(r: ResourceConfig, all: TerraformJson): ResourceConfig {
  const template = referencesTo(r.launch_template, "aws_launch_template")[0];
  return template ? (all.resource?.aws_launch_template?.[template] ?? {}) : r;
}

/** The secrets a host's instance role may read (GetSecretValue), through its instance profile. */
function secretsReadBy(host: ResourceConfig, all: TerraformJson): string[] {
  const profile = referencesTo(host.iam_instance_profile, "aws_iam_instance_profile")[0];
  const role = profile ? referencesTo(all.resource?.aws_iam_instance_profile?.[profile]?.role, "aws_iam_role")[0] : undefined;
  if (!role) return [];
  return referencedBy(all, "aws_iam_role_policy", "role", `aws_iam_role.${role}.`).flatMap(([, p]) =>
    list<{ Effect?: string; Action?: unknown; Resource?: unknown }>((JSON.parse(String(p.policy)) as { Statement?: unknown }).Statement)
      .filter((s) => s.Effect === "Allow" && list<string>(s.Action).includes("secretsmanager:GetSecretValue"))
      .flatMap((s) => referencesTo(s.Resource, "aws_secretsmanager_secret")),
  );
}

/** Hours in an `expires` of the form `timeadd(timestamp(), "<n>h")`; undefined for anything else. */
const hoursAfterCreation = (expires: unknown) => {
  const hours = /^\$\{timeadd\(timestamp\(\), "(\d+)h"\)\}$/.exec(String(expires ?? ""))?.[1];
  return hours === undefined ? undefined : Number(hours);
};

/** "Destroyable by default": `make destroy` removes the resource in one run, unless it carries the retain tag. */
function destroyable(what: string, type: string, blocks: (r: ResourceConfig) => string | undefined): PolicyRule[] {
  return [
    {
      id: `ECP-DESTROYABLE-${what}`,
      title: `Destroyable by default: ${type} (unless tagged ${retainTag}=true by a setting)`,
      types: [type],
      check: (r) => (retained(r) ? undefined : blocks(r)),
    },
  ];
}

export const deployRules: PolicyRule[] = [
  {
    id: "ECP-BOOT-AFTER-ARTIFACTS",
    title: "The listener instance boots after its artifacts, its role policy, the secrets it reads and the S3 gateway endpoint exist",
    types: ["aws_autoscaling_group", "aws_instance"],
    check: (r, _name, all) => {
      const dependsOn = list<string>(r.depends_on);
      const needed = [
        ...resources(all, "aws_s3_object").map(([n]) => address("aws_s3_object", n)),
        ...resources(all, "aws_vpc_endpoint")
          .filter(([, e]) => String(e.service_name).endsWith(".s3"))
          .map(([n]) => address("aws_vpc_endpoint", n)),
        // A secret without its version has no value yet: the first boot would read nothing.
        ...dependents(all, "aws_secretsmanager_secret_version", ["secret_id"], "aws_secretsmanager_secret", secretsReadBy(hostSettings(r, all), all)),
      ];
      const absent = needed.filter((n) => !dependsOn.includes(n));
      if (absent.length) return `depends_on lacks ${absent.join(", ")}`;
      return dependsOn.some((d) => d.startsWith("aws_iam_role_policy.")) ? undefined : "depends_on lacks the instance role's policy";
    },
  },
  {
    id: "ECP-HOST-WAITS-FOR-NETWORK",
    title: "An instance boots after its network path: its security groups' rules and its subnets' route-table associations",
    types: ["aws_autoscaling_group", "aws_instance"],
    check: (r, _name, all) => {
      const dependsOn = list<string>(r.depends_on);
      const host = hostSettings(r, all);
      // A new group has no egress until its rules exist; a subnet has no route to a gateway endpoint before its association.
      const groups = referencesTo([host.network_interfaces, host.vpc_security_group_ids, host.security_groups], "aws_security_group");
      const subnets = referencesTo([r.vpc_zone_identifier, r.subnet_id], "aws_subnet");
      const needed = [
        ...["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule", "aws_security_group_rule"].flatMap((type) =>
          dependents(all, type, ["security_group_id", "referenced_security_group_id", "source_security_group_id"], "aws_security_group", groups),
        ),
        ...dependents(all, "aws_route_table_association", ["subnet_id"], "aws_subnet", subnets),
      ];
      const absent = needed.filter((n) => !dependsOn.includes(n));
      return absent.length ? `depends_on lacks ${absent.join(", ")}` : undefined;
    },
  },
  {
    id: "ECP-OBJECT-AFTER-BUCKET-CONFIG",
    title: "Every S3 object waits for its bucket's versioning and default encryption (else: no version id, S3's own key)",
    types: ["aws_s3_object"],
    check: (r, _name, all) => {
      const buckets = referencesTo(r.bucket, "aws_s3_bucket");
      const needed = ["aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration"].flatMap((type) =>
        dependents(all, type, ["bucket"], "aws_s3_bucket", buckets),
      );
      const absent = needed.filter((n) => !list<string>(r.depends_on).includes(n));
      return absent.length ? `depends_on lacks ${absent.join(", ")}` : undefined;
    },
  },
  {
    id: "ECP-API-KEY-OUTLIVES-A-WEEK",
    title: "AppSync API keys name their expiry, more than the default 7 days after creation, kept by later plans",
    types: ["aws_appsync_api_key"],
    check: (r) => {
      if (r.expires === undefined) return "no expires: AppSync ends the key 7 days after it is created";
      const hours = hoursAfterCreation(r.expires);
      if (hours !== undefined && hours <= 7 * 24) return `expires ${hours} h after creation: not more than a week`;
      const ignored = list<string>((r.lifecycle as ResourceConfig | undefined)?.ignore_changes);
      return hours === undefined || ignored.includes("expires") ? undefined : "expires moves on every plan: lifecycle.ignore_changes lacks expires";
    },
  },
  {
    id: "ECP-REPLACEABLE-NAMES",
    title: "A parameter group replaced create-before-destroy has a name that changes with what forces the replacement",
    types: ["aws_elasticache_parameter_group"],
    check: (r) => {
      if (!truthy((r.lifecycle as ResourceConfig | undefined)?.create_before_destroy)) return undefined;
      const name = String(r.name ?? "");
      const expected = replaceableName(name.replace(/-[0-9a-f]{8}$/, ""), { family: String(r.family ?? ""), description: String(r.description ?? "") });
      return name === expected ? undefined : `name "${name}" is fixed: the new group of a replacement would collide with the old one (expected ${expected})`;
    },
  },
  {
    id: "ECP-LISTENER-UPDATES-ROLL",
    title: "A new listener bundle, configuration or mapping file replaces the instance; a new AMI alone does not",
    types: ["aws_launch_template"],
    check: (r) => {
      if (!String(r.user_data ?? "").includes("aws_s3_object.")) return "user_data does not change with the artifacts (S3 object versions)";
      const ignored = list<string>((r.lifecycle as ResourceConfig | undefined)?.ignore_changes);
      return ignored.includes("image_id") ? undefined : "lifecycle.ignore_changes lacks image_id: every AMI release would replace the instance";
    },
  },
  {
    id: "ECP-ASG-ROLLS-ON-NEW-TEMPLATE",
    title: "Auto Scaling groups follow their template's latest version with an instance refresh",
    types: ["aws_autoscaling_group"],
    check: (r) => {
      const version = String((r.launch_template as ResourceConfig | undefined)?.version ?? "");
      if (!version.includes("latest_version")) return "launch_template.version is not the template's latest_version";
      return (r.instance_refresh as ResourceConfig | undefined)?.strategy
        ? undefined
        : "no instance_refresh: a new template version would wait for the next replacement";
    },
  },
  {
    id: "ECP-CACHE-TOPIC-PUBLISHABLE",
    title: "ElastiCache's notification topic lets ElastiCache publish (Principal AWS *, SNS:Publish, AWS:SourceOwner)",
    types: ["aws_elasticache_replication_group"],
    check: (r, _name, all) => {
      const topic = /aws_sns_topic\.([^.}]+)\./.exec(String(r.notification_topic_arn ?? ""))?.[1];
      if (!topic) return undefined;
      const policies = referencedBy(all, "aws_sns_topic_policy", "arn", `aws_sns_topic.${topic}.`);
      const publishes = policies.some(([, p]) =>
        list<{ Effect?: string; Principal?: { AWS?: unknown }; Action?: unknown; Condition?: Record<string, Record<string, unknown>> }>(
          (JSON.parse(String(p.policy)) as { Statement?: unknown }).Statement,
        ).some(
          (s) =>
            s.Effect === "Allow" &&
            s.Principal?.AWS === "*" &&
            list<string>(s.Action).some((a) => a.toLowerCase() === "sns:publish") &&
            Object.values(s.Condition ?? {}).some((c) => Object.keys(c).some((k) => k.toLowerCase() === "aws:sourceowner")),
        ),
      );
      return publishes ? undefined : `topic ${topic} has no policy that lets ElastiCache publish (Principal AWS *, SNS:Publish, AWS:SourceOwner)`;
    },
  },
  ...destroyable("AURORA", "aws_rds_cluster", (r) =>
    truthy(r.deletion_protection)
      ? "deletion_protection"
      : !truthy(r.skip_final_snapshot)
        ? "a final snapshot (it needs a name no later apply reuses)"
        : undefined,
  ),
  ...destroyable("TABLE", "aws_dynamodb_table", (r) => (truthy(r.deletion_protection_enabled) ? "deletion_protection_enabled" : undefined)),
  ...destroyable("ZONE", "aws_route53_zone", (r) =>
    truthy(r.force_destroy) ? undefined : "force_destroy is not true: the keeper's records would block the delete",
  ),
  ...destroyable("BUCKET", "aws_s3_bucket", (r) =>
    truthy(r.force_destroy) ? undefined : "force_destroy is not true: uploads and their versions would block the delete",
  ),
  ...destroyable("SECRET", "aws_secretsmanager_secret", (r) =>
    r.name_prefix !== undefined || Number(r.recovery_window_in_days ?? 30) === 0
      ? undefined
      : "a fixed name with a recovery window stays reserved after a destroy: a new apply would fail (name it by name_prefix)",
  ),
  {
    id: "ECP-SECRET-RECOVERABLE",
    title: "A deleted secret stays recoverable for 7 to 30 days: a destroy or a mistaken delete loses no credential at once",
    types: ["aws_secretsmanager_secret"],
    check: (r) => {
      const days = Number(r.recovery_window_in_days ?? 30);
      return days >= 7 && days <= 30 ? undefined : `recovery_window_in_days is ${days}, not 7 to 30`;
    },
  },
  {
    id: "ECP-LAMBDA-VPC-PERMISSIONS",
    title: "Functions in a VPC have every action of AWSLambdaVPCAccessExecutionRole",
    types: ["aws_lambda_function"],
    check: (r, _name, all) => {
      if (!list((r.vpc_config as ResourceConfig | undefined)?.subnet_ids).length) return undefined;
      const absent = missing(roleActions(all, r.role), lambdaVpcActions);
      return absent.length ? `its role lacks ${absent.join(", ")}` : undefined;
    },
  },
  {
    id: "ECP-FLOW-LOG-PERMISSIONS",
    title: "Flow logs' role has what the VPC Flow Logs documentation lists",
    types: ["aws_flow_log"],
    check: (r, _name, all) => {
      if (!r.iam_role_arn) return "no iam_role_arn";
      const absent = missing(roleActions(all, r.iam_role_arn), flowLogActions);
      return absent.length ? `its role lacks ${absent.join(", ")}` : undefined;
    },
  },
  {
    id: "ECP-APPSYNC-SCHEMA-ACCEPTED",
    title: "AppSync gets a schema without descriptions, and every extra auth mode is used by a field",
    types: ["aws_appsync_graphql_api"],
    check: (r) => {
      const schema = String(r.schema ?? "");
      if (/"/.test(schema)) return "the schema carries descriptions (string literals)";
      const directives: Record<string, string> = {
        AWS_IAM: "@aws_iam",
        API_KEY: "@aws_api_key",
        AMAZON_COGNITO_USER_POOLS: "@aws_cognito_user_pools",
        OPENID_CONNECT: "@aws_oidc",
        AWS_LAMBDA: "@aws_lambda",
      };
      const unused = list<ResourceConfig>(r.additional_authentication_provider)
        .map((p) => String(p.authentication_type))
        .filter((type) => !schema.includes(directives[type] ?? type));
      return unused.length ? `additional auth ${unused.join(", ")} is used by no field (no ${unused.map((u) => directives[u]).join(", ")})` : undefined;
    },
  },
  {
    id: "ECP-ENV-REFERENCES-RESOLVE",
    title: "Function environments hold no unresolved references (a number attribute interpolated into a string)",
    types: ["aws_lambda_function"],
    check: (r) => {
      const variables = ((r.environment as ResourceConfig | undefined)?.variables ?? {}) as Record<string, string>;
      const broken = Object.entries(variables).find(([, v]) =>
        /(^|[^{.\w])(aws|data|random)_[a-z0-9_]+\.[\w-]+\.[a-z_]+/.test(String(v).replace(/\$\{[^}]*\}/g, "")),
      );
      return broken ? `${broken[0]} holds a bare reference: ${broken[1]}` : undefined;
    },
  },
];
