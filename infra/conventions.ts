// What the constructs do and the policy suite checks, owned by neither: the tags that mark a resource's
// data path and whether it outlives `destroy`, and the IAM actions two AWS services document as needed.

/** A resource a setting keeps on `terraform destroy` (the state file forgets it; AWS keeps it). */
export const retainTag = "ecp:retain-on-destroy";

/** What a setting deliberately allows on a resource that a policy rule would otherwise refuse (`introspection`). */
export const allowedBySettingTag = "ecp:allowed-by-setting";

/** The data path a function or host serves (its alarms' `service` dimension). */
export const dataPathTag = "ecp:data-path";

/** The tags a construct sets on a resource a setting keeps on destroy. */
export const retainTags = (retain: boolean): Record<string, string> | undefined => (retain ? { [retainTag]: "true" } : undefined);

/** What AWS's managed AWSLambdaVPCAccessExecutionRole grants (v3). */
export const lambdaVpcActions = [
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
];

/** What the VPC Flow Logs documentation lists for publishing to CloudWatch Logs. */
export const flowLogActions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"];
