// A VPC over two or more availability zones with private subnets only: no internet gateway, no NAT.
// AWS APIs are reached through gateway endpoints (S3, DynamoDB) and interface endpoints for what the
// private functions and the listener call. The DNS keeper talks to no Redis, so it runs outside the
// VPC and reaches Route 53 (which has no VPC endpoint) without a NAT gateway.
import { Construct } from "constructs";
import { Fn, type ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { flowLogActions } from "../conventions.js";
import type { Encryption } from "./encryption.js";
import { assumeRolePolicy, policyDocument } from "./policy.js";

export interface NetworkProps {
  name: string;
  cidr: string;
  availabilityZones: number;
  /** Zone names, when known; otherwise the region's available zones are looked up while planning. */
  availabilityZoneNames?: string[];
  encryption: Encryption;
  logRetentionDays: number;
  /** Interface endpoints to create (service suffixes: `secretsmanager`, `lambda`, `ssm`, ...). */
  interfaceEndpoints: string[];
  /** Zones (the first private subnets) the interface endpoints have an interface in. */
  endpointZones: number;
}

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly privateSubnetIds: string[];
  /** Functions that talk to Redis. */
  readonly functionsGroup: SecurityGroup;
  /** The change-feed listener instance. */
  readonly listenerGroup: SecurityGroup;
  /** The cache: admits the Redis port from the two groups above only. */
  readonly cacheGroup: SecurityGroup;
  /** Gateway and interface endpoints: what the private parts reach AWS through (the listener boots after them). */
  readonly endpoints: VpcEndpoint[] = [];
  /** The private subnets' routes (the gateway endpoints' routes live in their table). */
  private readonly routeAssociations: RouteTableAssociation[] = [];
  /** Each group's security-group rules, on either side (a new group has no egress until they exist). */
  private readonly rules = new Map<SecurityGroup, ITerraformDependable[]>();
  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new Vpc(this, "vpc", { cidrBlock: props.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: props.name } });
    // The default group admits nothing: every resource gets a group of its own.
    new DefaultSecurityGroup(this, "default", { vpcId: this.vpc.id });
    const routes = new RouteTable(this, "private-routes", { vpcId: this.vpc.id, tags: { Name: `${props.name}-private` } });
    this.privateSubnetIds = this.privateSubnets(props, routes);

    this.namePrefix = props.name;
    const group = (name: string, description: string) => this.addGroup(name, description);
    this.functionsGroup = group("functions", "Lambda functions that talk to Redis");
    this.listenerGroup = group("listener", "Change-feed listener instance");
    this.cacheGroup = group("cache", "ElastiCache: the Redis port from functions and the listener only");
    const endpointsGroup = group("endpoints", "Interface endpoints: HTTPS from functions and the listener only");
    this.rules.set(this.functionsGroup, this.clientRules("functions", this.functionsGroup, endpointsGroup));
    this.rules.set(this.listenerGroup, this.clientRules("listener", this.listenerGroup, endpointsGroup));
    this.addEndpoints(props, routes, endpointsGroup);
    this.rejectedTrafficLogs(props);
  }

  /** One private subnet per zone, on the one route table (no route leaves the VPC). */
  private privateSubnets(props: NetworkProps, routes: RouteTable): string[] {
    const zoneNames = props.availabilityZoneNames ?? new DataAwsAvailabilityZones(this, "zones", { state: "available" }).names;
    return Array.from({ length: props.availabilityZones }, (_, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        cidrBlock: Fn.cidrsubnet(props.cidr, 4, i),
        availabilityZone: Fn.element(zoneNames, i) as string,
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-private-${i}` },
      });
      this.routeAssociations.push(new RouteTableAssociation(this, `private-${i}-routes`, { subnetId: subnet.id, routeTableId: routes.id }));
      return subnet.id;
    });
  }

  /** A client group's rules on both sides: the cache and the endpoints admit it; it reaches them and nothing else. */
  private clientRules(name: string, client: SecurityGroup, endpointsGroup: SecurityGroup): ITerraformDependable[] {
    const port = (fromPort: number) => ({ ipProtocol: "tcp", fromPort, toPort: fromPort });
    return [
      new VpcSecurityGroupIngressRule(this, `cache-from-${name}`, {
        securityGroupId: this.cacheGroup.id,
        referencedSecurityGroupId: client.id,
        ...port(6379),
        description: `Redis from ${name}`,
      }),
      new VpcSecurityGroupIngressRule(this, `endpoints-from-${name}`, {
        securityGroupId: endpointsGroup.id,
        referencedSecurityGroupId: client.id,
        ...port(443),
        description: `HTTPS from ${name}`,
      }),
      new VpcSecurityGroupEgressRule(this, `${name}-to-cache`, {
        securityGroupId: client.id,
        referencedSecurityGroupId: this.cacheGroup.id,
        ...port(6379),
        description: "Redis",
      }),
      // AWS APIs over HTTPS: interface endpoints in the VPC and the S3 / DynamoDB gateway endpoints (no route goes further).
      new VpcSecurityGroupEgressRule(this, `${name}-to-aws-apis`, {
        securityGroupId: client.id,
        cidrIpv4: "0.0.0.0/0",
        ...port(443),
        description: "AWS APIs through VPC endpoints",
      }),
    ];
  }

  /** S3 and DynamoDB through gateway endpoints (routes), every other service through an interface endpoint. */
  private addEndpoints(props: NetworkProps, routes: RouteTable, endpointsGroup: SecurityGroup): void {
    const serviceName = (service: string) => `com.amazonaws.${props.encryption.region}.${service}`;
    for (const service of ["s3", "dynamodb"]) {
      this.endpoints.push(
        new VpcEndpoint(this, `${service}-gateway`, {
          vpcId: this.vpc.id,
          serviceName: serviceName(service),
          vpcEndpointType: "Gateway",
          routeTableIds: [routes.id],
          tags: { Name: `${props.name}-${service}` },
        }),
      );
    }
    for (const service of props.interfaceEndpoints) {
      this.endpoints.push(
        new VpcEndpoint(this, `${service}-interface`, {
          vpcId: this.vpc.id,
          serviceName: serviceName(service),
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnetIds.slice(0, props.endpointZones),
          securityGroupIds: [endpointsGroup.id],
          tags: { Name: `${props.name}-${service}` },
        }),
      );
    }
  }

  /** Flow logs of rejected traffic: what tried to get in (or out) that the groups refused. */
  private rejectedTrafficLogs(props: NetworkProps): void {
    const flowLogs = new CloudwatchLogGroup(this, "flow-logs", {
      name: `/vpc/${props.name}/flow-logs`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.encryption.key.arn,
    });
    const flowRole = new IamRole(this, "flow-logs-role", {
      name: `${props.name}-flow-logs`,
      assumeRolePolicy: assumeRolePolicy("vpc-flow-logs.amazonaws.com"),
    });
    new IamRolePolicy(this, "flow-logs-policy", {
      role: flowRole.id,
      policy: policyDocument([{ sid: "PublishFlowLogs", actions: flowLogActions, resources: [flowLogs.arn, `${flowLogs.arn}:*`] }]),
    });
    new FlowLog(this, "flow-log", { vpcId: this.vpc.id, trafficType: "REJECT", logDestination: flowLogs.arn, iamRoleArn: flowRole.arn });
  }

  /** A group of its own for a resource in the VPC: it admits and reaches nothing until `allow` says so. */
  addGroup(name: string, description: string): SecurityGroup {
    return new SecurityGroup(this, name, { name: `${this.namePrefix}-${name}`, description, vpcId: this.vpc.id, tags: { Name: `${this.namePrefix}-${name}` } });
  }

  /** `from` reaches `to` (a group, or a network outside the VPC) on one TCP port: the egress on one side, the ingress on the other (`id`: the rules' names). */
  allow(id: string, from: SecurityGroup, to: SecurityGroup | { cidr: string }, port: number, description: string): void {
    const tcp = { ipProtocol: "tcp", fromPort: port, toPort: port, description };
    const rules: ITerraformDependable[] = [
      new VpcSecurityGroupEgressRule(this, `${id}-out`, {
        securityGroupId: from.id,
        ...("cidr" in to ? { cidrIpv4: to.cidr } : { referencedSecurityGroupId: to.id }),
        ...tcp,
      }),
    ];
    if (!("cidr" in to)) rules.push(new VpcSecurityGroupIngressRule(this, `${id}-in`, { securityGroupId: to.id, referencedSecurityGroupId: from.id, ...tcp }));
    this.rules.set(from, [...(this.rules.get(from) ?? []), ...rules]);
  }

  /** Everything a member of `group` needs before it can reach the cache and AWS: its rules, the routes, the endpoints. */
  pathOf(group: SecurityGroup): ITerraformDependable[] {
    return [...(this.rules.get(group) ?? []), ...this.routeAssociations, ...this.endpoints];
  }
}
