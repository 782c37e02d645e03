// Rules for who can reach what: subnets, security groups, IAM policies and the VPC.
import { list, referencedBy, truthy, type PolicyRule, type ResourceConfig, wildcardActions } from "./terraform-json.js";

export const networkRules: PolicyRule[] = [
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
