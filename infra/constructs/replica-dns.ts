// Replica DNS keeper: a private hosted zone on the VPC, the keeper subscribed to the cache's events and
// run on a schedule to repair drift; one at a time (reserved concurrency 1) so no two runs race on the zone.
import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { functionDefaults, type DataPathProps } from "./data-path.js";
import { NodejsFunction } from "./nodejs-function.js";

export class ReplicaDns extends Construct {
  readonly zone: Route53Zone;
  readonly keeper: NodejsFunction;
  readonly schedule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: DataPathProps) {
    super(scope, id);
    const { config, network, cache } = props;
    const dns = config.replicaDns;
    // forceDestroy: the keeper's records would otherwise keep `make destroy` from deleting the zone.
    this.zone = new Route53Zone(this, "zone", {
      name: dns.zoneName,
      comment: `${props.name}: replica CNAMEs`,
      vpc: [{ vpcId: network.vpc.id }],
      forceDestroy: true,
    });
    const zoneArn = `arn:aws:route53:::hostedzone/${this.zone.zoneId}`;
    this.keeper = new NodejsFunction(this, "keeper", {
      dataPath: "replica-dns",
      defaults: functionDefaults(props),
      bundle: "replica-dns-keeper",
      // It calls AWS APIs only (no Redis), so it runs outside the VPC and needs no NAT to reach Route 53.
      environment: {
        REPLICATION_GROUP_ID: cache.group.replicationGroupId,
        HOSTED_ZONE_ID: this.zone.zoneId,
        CNAME_TEMPLATE: dns.cnameTemplate,
        RECORD_TTL: String(dns.ttl),
        ...(dns.readerName ? { READER_NAME: dns.readerName } : {}),
        ...(dns.primaryName ? { PRIMARY_NAME: dns.primaryName } : {}),
      },
      statements: [
        { sid: "DescribeTheGroup", actions: ["elasticache:DescribeReplicationGroups"], resources: [cache.group.arn] },
        { sid: "KeepTheZone", actions: ["route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets"], resources: [zoneArn] },
      ],
      reservedConcurrency: dns.reservedConcurrency,
      timeout: 60,
      memorySize: 256,
    });
    new SnsTopicSubscription(this, "events", { topicArn: cache.eventsTopic.arn, protocol: "lambda", endpoint: this.keeper.function.arn });
    new LambdaPermission(this, "sns-invokes-keeper", {
      action: "lambda:InvokeFunction",
      functionName: this.keeper.function.functionName,
      principal: "sns.amazonaws.com",
      sourceArn: cache.eventsTopic.arn,
    });
    this.schedule = new CloudwatchEventRule(this, "schedule", {
      name: `${props.name}-replica-dns-repair`,
      description: "Repair replica CNAME drift (lost events, manual edits)",
      scheduleExpression: `rate(${dns.scheduleMinutes} minutes)`,
    });
    new CloudwatchEventTarget(this, "schedule-target", { rule: this.schedule.name, arn: this.keeper.function.arn });
    new LambdaPermission(this, "schedule-invokes-keeper", {
      action: "lambda:InvokeFunction",
      functionName: this.keeper.function.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.schedule.arn,
    });
  }
}

/** The replica CNAMEs the keeper maintains: replica1..replicaN under the template. */
export function replicaNames(template: string, replicas: number): string[] {
  const [label, ...rest] = template.split(".");
  return Array.from({ length: replicas }, (_, i) => [`${label}${i + 1}`, ...rest].join("."));
}
