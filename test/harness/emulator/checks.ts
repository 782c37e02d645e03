// What the deploy lane reads after an apply: Terraform's own state, and the emulator's journal of calls.
import type { Json } from "../synth.js";
import type { OfflineStack } from "../terraform.js";
import type { Call } from "./front.js";

interface StateResource {
  address: string;
  type: string;
  values: Record<string, unknown>;
}

/** `terraform show -json`: every managed resource in the state, with its attributes. */
export async function stateResources(stack: OfflineStack): Promise<StateResource[]> {
  const shown = await stack.terraformAsync("show", "-json", "-no-color");
  const state = JSON.parse(shown.stdout) as { values?: { root_module?: { resources?: (StateResource & { mode: string })[] } } };
  return (state.values?.root_module?.resources ?? []).filter((r) => r.mode === "managed");
}

/**
 * Each S3 object written before its bucket was versioned and encrypted with the stack's key: S3 gives
 * such an object no version id (the user data names versions) and the bucket's old default encryption.
 */
export function unprotectedObjects(resources: StateResource[]): string[] {
  const keyArns = resources.filter((r) => r.type === "aws_kms_key").map((r) => r.values.arn);
  return resources
    .filter((r) => r.type === "aws_s3_object")
    .flatMap(({ address, values }) => {
      const problems = [
        ...(!values.version_id || values.version_id === "null" ? [`no version id (${String(values.version_id)})`] : []),
        ...(values.server_side_encryption !== "aws:kms" ? [`encrypted with ${String(values.server_side_encryption || "nothing")}`] : []),
        ...(!keyArns.includes(values.kms_key_id) ? [`not the stack's key (${String(values.kms_key_id)})`] : []),
      ];
      return problems.length ? [`${address}: ${problems.join(", ")}`] : [];
    });
}

/** The call that creates a resource of each type the instance group waits for, and how to find it by the resource's attributes. */
const creatingCalls: Record<string, (values: Record<string, unknown>) => (call: Call) => boolean> = {
  aws_s3_object: (v) => (c) => c.operation === "PutObject" && c.path.split("?")[0] === `/${String(v.bucket)}/${String(v.key)}`,
  aws_iam_role_policy: (v) => (c) => c.operation === "PutRolePolicy" && c.params.RoleName === v.role && c.params.PolicyName === v.name,
  aws_cloudwatch_log_group: (v) => (c) => c.operation === "CreateLogGroup" && c.params.logGroupName === v.name,
  aws_route_table_association: (v) => (c) => c.operation === "AssociateRouteTable" && c.params.SubnetId === v.subnet_id,
  aws_vpc_security_group_egress_rule: (v) => (c) => c.operation === "AuthorizeSecurityGroupEgress" && c.params.GroupId === v.security_group_id,
  aws_vpc_security_group_ingress_rule: (v) => (c) => c.operation === "AuthorizeSecurityGroupIngress" && c.params.GroupId === v.security_group_id,
  aws_vpc_endpoint: (v) => (c) => c.operation === "CreateVpcEndpoint" && c.params.ServiceName === v.service_name,
  aws_secretsmanager_secret_version: (v) => (c) =>
    ["PutSecretValue", "CreateSecret"].includes(c.operation) && [c.params.SecretId, c.params.Name].includes(String(v.secret_id)),
};

/**
 * What the instance group's first boot reads (the depends_on the stack declares for it: artifacts, role
 * policy, network path, secrets) and whether each was created before CreateAutoScalingGroup was sent.
 * Returns the problems, one line each; a dependency of a type with no known creating call is one.
 */
export function bootInputsBeforeGroup(json: Json, resources: StateResource[], journal: Call[]): string[] {
  const group = resources.find((r) => r.type === "aws_autoscaling_group");
  if (!group) return ["no aws_autoscaling_group in the state"];
  const created = journal.find((c) => c.operation === "CreateAutoScalingGroup" && c.params.AutoScalingGroupName === group.values.name);
  if (!created) return [`no CreateAutoScalingGroup for ${String(group.values.name)} in the journal`];
  const declared = (json.resource?.aws_autoscaling_group?.[group.address.split(".")[1]] as { depends_on?: string[] } | undefined)?.depends_on ?? [];
  if (declared.length === 0) return [`${group.address} declares no depends_on`];
  return declared.flatMap((address) => {
    const resource = resources.find((r) => r.address === address);
    if (!resource) return [`${address}: not in the state`];
    const matcher = creatingCalls[resource.type];
    if (!matcher) return [`${address}: no creating call is known for ${resource.type} (add it to creatingCalls)`];
    const call = journal.find(matcher(resource.values));
    if (!call) return [`${address}: its creating call is not in the journal`];
    return call.finished !== undefined && call.finished < created.started ? [] : [`${address}: created after the instance group was`];
  });
}
