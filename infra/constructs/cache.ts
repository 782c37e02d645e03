// The ElastiCache replication group (cluster mode disabled): Multi-AZ with automatic failover,
// encrypted at rest (customer key) and in transit, every client its own engine user (RBAC, the
// engine-users construct), snapshots, a parameter group with keyspace notifications and the engine's
// own bounds, and events to an SNS topic.
import { Construct } from "constructs";
import { ElasticacheParameterGroup } from "@cdktf/provider-aws/lib/elasticache-parameter-group";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { parameterGroupFamily, type SystemConfig } from "../config.js";
import type { Encryption } from "./encryption.js";
import type { Network } from "./network.js";
import type { RedisAccess } from "./nodejs-function.js";
import type { EngineRole, EngineUsers } from "./engine-users.js";
import { policyDocument } from "./policy.js";
import { replaceableName } from "../naming.js";
import { engineParameters } from "../../domain/redis/engine-limits.js";

export interface CacheProps {
  name: string;
  config: SystemConfig["cache"];
  encryption: Encryption;
  network: Network;
  snapshotRetentionDays: number;
  /** Every client's engine user, in the user group each replication group uses. */
  users: EngineUsers;
}

/** The port every group listens on (a constant: a number attribute would not survive string interpolation). */
const cachePort = 6379;

/** A Redis URL for clients: TLS (`rediss://`) to the primary (or configuration) endpoint. */
const tlsUrl = (address: string) => `rediss://${address}:${cachePort}`;

export class Cache extends Construct {
  readonly group: ElasticacheReplicationGroup;
  private readonly users: EngineUsers;
  /** ElastiCache events (failover, node replaced, ...) go here. Not KMS-encrypted: ElastiCache cannot publish to an encrypted topic. */
  readonly eventsTopic: SnsTopic;
  readonly primaryUrl: string;
  /** The group's reader endpoint: DNS over the replicas (the primary only when there is no replica). */
  readonly readerUrl: string;
  /** The optional cluster-mode-enabled group for the feature store. */
  readonly featureGroup?: ElasticacheReplicationGroup;
  readonly featureUrl?: string;
  /** Known at synthesis (not a token), so alarms can be named after the nodes. */
  readonly groupId: string;
  private readonly network: Network;

  constructor(scope: Construct, id: string, props: CacheProps & { featureStoreCluster?: { shards: number } }) {
    super(scope, id);
    const { config, network } = props;
    this.network = network;
    this.users = props.users;
    this.groupId = `${props.name}-cache`;
    const family = parameterGroupFamily(config.engine, config.engineVersion);
    // A new engine or major gets a new group before the old one (still in use) goes; the name carries a
    // digest of what forces a replacement, so the new group never collides with the old one's name.
    const parameterGroup = (id: string, description: string, parameter: { name: string; value: string }[]) =>
      new ElasticacheParameterGroup(this, id, {
        name: replaceableName(`${props.name}-${id === "parameters" ? "" : "features-"}${family.replace(".", "-")}`, { family, description }),
        family,
        lifecycle: { createBeforeDestroy: true },
        description,
        parameter,
      });
    const limits = engineParameters(config.engineLimits);
    const parameters = parameterGroup(
      "parameters",
      "Keyspace notifications for the change feed (CONFIG SET is refused on ElastiCache) and the engine's own bounds",
      [{ name: "notify-keyspace-events", value: config.keyspaceEvents }, ...limits],
    );
    this.eventsTopic = this.eventsTopicFor(props);
    const common = this.groupSettings(props);
    this.group = new ElasticacheReplicationGroup(this, "group", {
      ...common,
      replicationGroupId: this.groupId,
      description: `${props.name}: change feed, command API, replica DNS`,
      numCacheClusters: config.replicas + 1,
      parameterGroupName: parameters.name,
    });
    this.primaryUrl = tlsUrl(this.group.primaryEndpointAddress);
    this.readerUrl = tlsUrl(this.group.readerEndpointAddress);

    if (props.featureStoreCluster) {
      this.featureGroup = new ElasticacheReplicationGroup(this, "feature-group", {
        ...common,
        replicationGroupId: `${props.name}-features`,
        description: `${props.name}: feature store (cluster mode enabled)`,
        numNodeGroups: props.featureStoreCluster.shards,
        replicasPerNodeGroup: 1,
        parameterGroupName: parameterGroup("feature-parameters", "Cluster mode for the feature store and the engine's own bounds", [
          { name: "cluster-enabled", value: "yes" },
          ...limits,
        ]).name,
      });
      this.featureUrl = tlsUrl(this.featureGroup.configurationEndpointAddress);
    }
  }

  /** The topic ElastiCache sends its events to (failovers, node changes): the replica DNS keeper's trigger. */
  private eventsTopicFor(props: CacheProps): SnsTopic {
    const topic = new SnsTopic(this, "events", { name: `${props.name}-cache-events` });
    // The policy ElastiCache's documentation prescribes: any principal of this account may publish,
    // keyed on aws:SourceOwner (with aws:SourceAccount, ElastiCache marks the topic inactive).
    new SnsTopicPolicy(this, "events-policy", {
      arn: topic.arn,
      policy: policyDocument([
        {
          sid: "ElastiCachePublishesEvents",
          principals: { AWS: "*" },
          actions: ["SNS:Publish"],
          resources: [topic.arn],
          conditions: { StringEquals: { "AWS:SourceOwner": props.encryption.accountId } },
        },
      ]),
    });
    return topic;
  }

  /** What both groups share: private subnets, encryption in transit and at rest, RBAC, Multi-AZ failover, snapshots. */
  private groupSettings(props: CacheProps) {
    const { config, encryption, network } = props;
    const subnets = new ElasticacheSubnetGroup(this, "subnets", { name: `${props.name}-cache`, subnetIds: network.privateSubnetIds });
    return {
      engine: config.engine,
      engineVersion: config.engineVersion,
      nodeType: config.nodeType,
      port: cachePort,
      subnetGroupName: subnets.name,
      securityGroupIds: [network.cacheGroup.id],
      atRestEncryptionEnabled: "true",
      kmsKeyId: encryption.key.arn,
      transitEncryptionEnabled: true,
      // RBAC: every client logs in as its own engine user (no AUTH token: the two are exclusive).
      userGroupIds: [props.users.group.userGroupId],
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      snapshotRetentionLimit: props.snapshotRetentionDays,
      autoMinorVersionUpgrade: "true",
      notificationTopicArn: this.eventsTopic.arn,
      applyImmediately: false,
    };
  }

  /**
   * Everything a function needs to use a group as `role`, granted in one place: its environment
   * (`REDIS_URL`, `REDIS_CLUSTER`, and the secret of its engine user: `REDIS_AUTH_SECRET_ARN`, or the
   * gateway's users: `REDIS_USERS_SECRET_ARN`), permission to read that secret, and a place in the
   * private subnets behind the group that the cache admits. `features`: the feature store's group.
   */
  clientAccess(role: Exclude<EngineRole, "listener">, group: "main" | "features" = "main"): RedisAccess {
    const cluster = group === "features" && this.featureUrl !== undefined;
    const { secret } = this.users.secrets[role]!;
    return {
      environment: {
        REDIS_URL: cluster ? this.featureUrl! : this.primaryUrl,
        [role === "gateway" ? "REDIS_USERS_SECRET_ARN" : "REDIS_AUTH_SECRET_ARN"]: secret.arn,
        REDIS_CLUSTER: String(cluster),
      },
      statements: [{ sid: "OwnEngineUser", actions: ["secretsmanager:GetSecretValue"], resources: [secret.arn] }],
      vpc: { subnetIds: this.network.privateSubnetIds, securityGroupIds: [this.network.functionsGroup.id] },
    };
  }

  /** The member clusters of the main group (`<group>-001`, ...), for per-node alarms. */
  memberIds(replicas: number): string[] {
    return Array.from({ length: replicas + 1 }, (_, i) => `${this.groupId}-${String(i + 1).padStart(3, "0")}`);
  }
}
