// The ElastiCache replication group (cluster mode disabled): Multi-AZ with automatic failover,
// encrypted at rest (customer key) and in transit, an AUTH token kept in Secrets Manager, snapshots,
// a parameter group that turns on keyspace notifications, and events to an SNS topic.
import { Construct } from "constructs";
import { ElasticacheParameterGroup } from "@cdktf/provider-aws/lib/elasticache-parameter-group";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Password } from "@cdktf/provider-random/lib/password";
import { parameterGroupFamily, type SystemConfig } from "../config.js";
import type { Encryption } from "./encryption.js";
import type { Network } from "./network.js";
import type { RedisAccess } from "./nodejs-function.js";
import { retainTags } from "../policy/deploy-rules.js";
import { policyDocument } from "./policy.js";
import { replaceableName } from "../naming.js";

export interface CacheProps {
  name: string;
  config: SystemConfig["cache"];
  encryption: Encryption;
  network: Network;
  snapshotRetentionDays: number;
  /** Days a deleted secret is kept (0: deleted at once, so a new apply after a destroy can reuse the name). */
  secretRecoveryWindowDays: number;
}

/** The port every group listens on (a constant: a number attribute would not survive string interpolation). */
const cachePort = 6379;

/** A Redis URL for clients: TLS (`rediss://`) to the primary (or configuration) endpoint. */
const tlsUrl = (address: string) => `rediss://${address}:${cachePort}`;

export class Cache extends Construct {
  readonly group: ElasticacheReplicationGroup;
  readonly authSecret: SecretsmanagerSecret;
  /** The secret's value: a client that boots reads it, so it waits for this. */
  readonly authSecretVersion: SecretsmanagerSecretVersion;
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
    const { config, encryption, network } = props;
    this.network = network;
    this.groupId = `${props.name}-cache`;
    const subnets = new ElasticacheSubnetGroup(this, "subnets", { name: `${props.name}-cache`, subnetIds: network.privateSubnetIds });
    const family = parameterGroupFamily(config.engine, config.engineVersion);
    const description = "Keyspace notifications for the change feed (CONFIG SET is refused on ElastiCache)";
    const parameters = new ElasticacheParameterGroup(this, "parameters", {
      // A new engine or major gets a new group before the old one (still in use) goes; the name carries a
      // digest of what forces a replacement, so the new group never collides with the old one's name.
      name: replaceableName(`${props.name}-${family.replace(".", "-")}`, { family, description }),
      family,
      lifecycle: { createBeforeDestroy: true },
      description,
      parameter: [{ name: "notify-keyspace-events", value: config.keyspaceEvents }],
    });

    // The token is in Terraform state (marked sensitive): keep state encrypted (Terraform Cloud does).
    const token = new Password(this, "auth-token", { length: 64, special: false });
    this.authSecret = new SecretsmanagerSecret(this, "auth-secret", {
      name: `${props.name}/redis-auth-token`,
      kmsKeyId: encryption.key.arn,
      recoveryWindowInDays: props.secretRecoveryWindowDays,
      tags: retainTags(props.secretRecoveryWindowDays > 0),
    });
    this.authSecretVersion = new SecretsmanagerSecretVersion(this, "auth-secret-value", { secretId: this.authSecret.id, secretString: token.result });

    this.eventsTopic = new SnsTopic(this, "events", { name: `${props.name}-cache-events` });
    // The policy ElastiCache's documentation prescribes: any principal of this account may publish,
    // keyed on aws:SourceOwner (with aws:SourceAccount, ElastiCache marks the topic inactive).
    new SnsTopicPolicy(this, "events-policy", {
      arn: this.eventsTopic.arn,
      policy: policyDocument([
        {
          sid: "ElastiCachePublishesEvents",
          principals: { AWS: "*" },
          actions: ["SNS:Publish"],
          resources: [this.eventsTopic.arn],
          conditions: { StringEquals: { "AWS:SourceOwner": encryption.accountId } },
        },
      ]),
    });

    const common = {
      engine: config.engine,
      engineVersion: config.engineVersion,
      nodeType: config.nodeType,
      port: cachePort,
      subnetGroupName: subnets.name,
      securityGroupIds: [network.cacheGroup.id],
      atRestEncryptionEnabled: "true",
      kmsKeyId: encryption.key.arn,
      transitEncryptionEnabled: true,
      authToken: token.result,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      snapshotRetentionLimit: props.snapshotRetentionDays,
      autoMinorVersionUpgrade: "true",
      notificationTopicArn: this.eventsTopic.arn,
      applyImmediately: false,
    };
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
        parameterGroupName: `default.${family}.cluster.on`,
      });
      this.featureUrl = tlsUrl(this.featureGroup.configurationEndpointAddress);
    }
  }

  /**
   * Everything a function needs to use a group, granted in one place: its environment (`REDIS_URL`,
   * `REDIS_AUTH_SECRET_ARN`, `REDIS_CLUSTER`), permission to read the AUTH token, and a place in the
   * private subnets behind the group that the cache admits. `features`: the feature store's group.
   */
  clientAccess(group: "main" | "features" = "main"): RedisAccess {
    const cluster = group === "features" && this.featureUrl !== undefined;
    return {
      environment: {
        REDIS_URL: cluster ? this.featureUrl! : this.primaryUrl,
        REDIS_AUTH_SECRET_ARN: this.authSecret.arn,
        REDIS_CLUSTER: String(cluster),
      },
      statements: [{ sid: "RedisAuthToken", actions: ["secretsmanager:GetSecretValue"], resources: [this.authSecret.arn] }],
      vpc: { subnetIds: this.network.privateSubnetIds, securityGroupIds: [this.network.functionsGroup.id] },
    };
  }

  /** The member clusters of the main group (`<group>-001`, ...), for per-node alarms. */
  memberIds(replicas: number): string[] {
    return Array.from({ length: replicas + 1 }, (_, i) => `${this.groupId}-${String(i + 1).padStart(3, "0")}`);
  }
}
