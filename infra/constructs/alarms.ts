// Alarms to an encrypted SNS topic: the cache's connections (NewConnections > 1000 per minute, as in the
// feature-store original), CPU, evictions and replication lag per node, and every Lambda's errors;
// each names its runbook entry in docs/operating.md.
import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import type { SystemConfig } from "../config.js";
import type { Encryption } from "./encryption.js";
import type { NodejsFunction } from "./nodejs-function.js";
import { runbookDocument } from "./data-path-alarms.js";

export interface AlarmsProps {
  name: string;
  config: SystemConfig["alarms"];
  encryption: Encryption;
  /** ElastiCache member clusters (`<group>-001`, ...). */
  cacheNodes: string[];
  functions: NodejsFunction[];
  /** The change feed's Aurora destinations: each cluster's identifier and its proxy's name. */
  databases: { cluster: string; proxy: string }[];
}

interface AlarmSpec {
  namespace: string;
  metric: string;
  statistic: string;
  threshold: number;
  period: number;
  description: string;
  /** Its entry in the runbook document. */
  runbook: string;
}

/** Each cache node's alarms, by the suffix of their id. */
const cacheNodeAlarms = (config: SystemConfig["alarms"]): Record<string, AlarmSpec> => {
  const cache = { namespace: "AWS/ElastiCache" };
  return {
    "new-connections": {
      ...cache,
      metric: "NewConnections",
      statistic: "Maximum",
      threshold: config.newConnectionsThreshold,
      period: 60,
      description: "Clients are reconnecting instead of reusing connections",
      runbook: "cache-new-connections",
    },
    "current-connections": {
      ...cache,
      metric: "CurrentConnections",
      statistic: "Maximum",
      threshold: config.currentConnectionsThreshold,
      period: 60,
      description: "Connections approach the node's limit (65,000)",
      runbook: "cache-current-connections",
    },
    cpu: {
      ...cache,
      metric: "EngineCPUUtilization",
      statistic: "Average",
      threshold: config.cpuPercent,
      period: 300,
      description: "Redis's main thread is busy",
      runbook: "cache-cpu",
    },
    evictions: {
      ...cache,
      metric: "Evictions",
      statistic: "Sum",
      threshold: 0,
      period: 300,
      description: "Keys are evicted: memory is full",
      runbook: "cache-evictions",
    },
    "replication-lag": {
      ...cache,
      metric: "ReplicationLag",
      statistic: "Maximum",
      threshold: config.replicationLagSeconds,
      period: 60,
      description: "A replica is behind its primary",
      runbook: "cache-replication-lag",
    },
  };
};

const functionErrors: AlarmSpec = {
  namespace: "AWS/Lambda",
  metric: "Errors",
  statistic: "Sum",
  threshold: 0,
  period: 300,
  description: "The function failed",
  runbook: "function-errors",
};

const databaseCapacity: AlarmSpec = {
  namespace: "AWS/RDS",
  metric: "ACUUtilization",
  statistic: "Average",
  threshold: 90,
  period: 300,
  description: "A SQL destination runs at its maximum capacity: its writes slow down and the feed's lag grows",
  runbook: "sql-destination-capacity",
};

const proxyAuthFailures: AlarmSpec = {
  namespace: "AWS/RDS",
  metric: "ClientConnectionsSetupFailedAuth",
  statistic: "Sum",
  threshold: 0,
  period: 300,
  description: "RDS Proxy refused the listener's IAM token: changes to SQL destinations wait in the journal",
  runbook: "sql-destination-auth",
};

export class Alarms extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { config } = props;
    this.topic = new SnsTopic(this, "topic", { name: `${props.name}-alarms`, kmsMasterKeyId: props.encryption.key.arn });
    if (config.email) new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: config.email });
    for (const node of props.cacheNodes) {
      for (const [suffix, spec] of Object.entries(cacheNodeAlarms(config))) this.alarm(props.name, `${node}-${suffix}`, spec, { CacheClusterId: node });
    }
    for (const fn of props.functions) {
      this.alarm(props.name, `${fn.node.id}-${fn.node.scope?.node.id ?? "fn"}-errors`, functionErrors, { FunctionName: fn.function.functionName });
    }
    props.databases.forEach(({ cluster, proxy }, n) => {
      this.alarm(props.name, `database-${n}-capacity`, databaseCapacity, { DBClusterIdentifier: cluster });
      this.alarm(props.name, `database-${n}-proxy-auth`, proxyAuthFailures, { ProxyName: proxy });
    });
  }

  private alarm(name: string, id: string, spec: AlarmSpec, dimensions: Record<string, string>): CloudwatchMetricAlarm {
    return new CloudwatchMetricAlarm(this, id, {
      alarmName: `${name}-${id}`,
      alarmDescription: `${spec.description}. Runbook: ${runbookDocument}#${spec.runbook}`,
      namespace: spec.namespace,
      metricName: spec.metric,
      statistic: spec.statistic,
      period: spec.period,
      evaluationPeriods: 1,
      threshold: spec.threshold,
      comparisonOperator: "GreaterThanThreshold",
      dimensions,
      treatMissingData: "notBreaching",
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
  }
}
