// The ElastiCache API the stack uses, served by the harness instead of moto 5: moto has no parameter
// groups or user groups, never finishes deleting a replication group and cannot delete a subnet group,
// so a destroy and a second apply could not run against it. Each action follows its API reference
// page (linked where it is handled), refusals included; an action not listed here is refused by name.
import { AccessControl, required } from "./elasticache-access.js";
import { Groups, type SubnetLookup } from "./elasticache-groups.js";
import { account, arnOf, region, Tags } from "./elasticache-tags.js";
import { answer, listParam, QueryError, xmlList, type QueryAnswer, type QueryParams } from "./query-protocol.js";

interface ReplicationGroup {
  id: string;
  description: string;
  engine: string;
  engineVersion: string;
  nodeType: string;
  shards: number;
  nodesPerShard: number;
  clusterMode: boolean;
  parameterGroup: string;
  subnetGroup: string;
  securityGroupIds: string[];
  userGroupIds: string[];
  params: QueryParams;
}

type Action = (params: QueryParams) => QueryAnswer | Promise<QueryAnswer>;

export class ElastiCache {
  readonly tags = new Tags();
  readonly access = new AccessControl(this.tags);
  readonly groups: Groups;
  readonly replicationGroups = new Map<string, ReplicationGroup>();
  private readonly actions: Record<string, Action>;

  constructor(subnets: SubnetLookup) {
    this.groups = new Groups(this.tags, subnets);
    const { access, groups, tags } = this;
    this.actions = {
      CreateUser: (p) => access.createUser(p),
      DescribeUsers: (p) => access.describeUsers(p),
      DeleteUser: (p) => access.deleteUser(p),
      CreateUserGroup: (p) => access.createUserGroup(p),
      DescribeUserGroups: (p) => access.describeUserGroups(p),
      DeleteUserGroup: (p) => access.deleteUserGroup(p),
      CreateCacheParameterGroup: (p) => groups.createParameterGroup(p),
      ModifyCacheParameterGroup: (p) => groups.modifyParameterGroup(p),
      DescribeCacheParameterGroups: (p) => groups.describeParameterGroups(p),
      DescribeCacheParameters: (p) => groups.describeParameters(p),
      DeleteCacheParameterGroup: (p) => groups.deleteParameterGroup(p),
      CreateCacheSubnetGroup: (p) => groups.createSubnetGroup(p),
      DescribeCacheSubnetGroups: (p) => groups.describeSubnetGroups(p),
      DeleteCacheSubnetGroup: (p) => groups.deleteSubnetGroup(p),
      CreateReplicationGroup: (p) => this.createReplicationGroup(p),
      DescribeReplicationGroups: (p) => this.describeReplicationGroups(p),
      DescribeCacheClusters: (p) => this.describeCacheClusters(p),
      DeleteReplicationGroup: (p) => this.deleteReplicationGroup(p),
      ListTagsForResource: (p) => tags.list(p),
      AddTagsToResource: (p) => tags.add(p),
      RemoveTagsFromResource: (p) => tags.remove(p),
    };
  }

  async handle(params: QueryParams): Promise<QueryAnswer> {
    const name = params.get("Action") ?? "";
    const action = this.actions[name];
    try {
      if (!action)
        throw new QueryError(
          "InvalidAction",
          `The emulator does not serve ElastiCache ${name || "(no Action)"}: add it to test/harness/emulator/elasticache.ts`,
        );
      return await action(params);
    } catch (error) {
      if (error instanceof QueryError) return error.toAnswer();
      throw error;
    }
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html */
  private createReplicationGroup(params: QueryParams): QueryAnswer {
    const id = required(params, "ReplicationGroupId").toLowerCase();
    if (this.replicationGroups.has(id)) throw new QueryError("ReplicationGroupAlreadyExists", `Replication group ${id} already exists.`);
    const engine = (params.get("Engine") ?? "redis").toLowerCase();
    const engineVersion = params.get("EngineVersion") ?? "7.1";
    const parameterGroup = this.groups.parameterGroup(required(params, "CacheParameterGroupName"));
    const major = engineVersion.split(".")[0];
    if (!parameterGroup.family.startsWith(`${engine}${major}`))
      throw new QueryError("InvalidParameterCombination", `Parameter group family ${parameterGroup.family} does not match engine ${engine} ${engineVersion}`);
    const clusterMode = params.has("NumNodeGroups") || params.get("ClusterMode") === "enabled";
    if (clusterMode !== (parameterGroup.parameters.get("cluster-enabled") === "yes"))
      throw new QueryError(
        "InvalidParameterCombination",
        `Cluster mode ${clusterMode ? "on" : "off"} needs a parameter group with cluster-enabled ${clusterMode ? "yes" : "no"}`,
      );
    const subnetGroup = this.groups.subnetGroup(required(params, "CacheSubnetGroupName"));
    const userGroupIds = listParam(params, "UserGroupIds").map((g) => this.access.userGroup(g).id);
    if (userGroupIds.length && params.get("TransitEncryptionEnabled") !== "true")
      throw new QueryError("InvalidParameterCombination", "User groups need encryption in transit (TransitEncryptionEnabled)");
    if (params.get("MultiAZEnabled") === "true" && params.get("AutomaticFailoverEnabled") !== "true")
      throw new QueryError("InvalidParameterCombination", "Multi-AZ needs automatic failover");
    const shards = clusterMode ? Number(params.get("NumNodeGroups") ?? 1) : 1;
    const nodesPerShard = clusterMode ? 1 + Number(params.get("ReplicasPerNodeGroup") ?? 0) : Number(params.get("NumCacheClusters") ?? 1);
    if (params.get("AutomaticFailoverEnabled") === "true" && !clusterMode && nodesPerShard < 2)
      throw new QueryError("InvalidParameterCombination", "Automatic failover needs at least 2 cache clusters");
    const group: ReplicationGroup = {
      id,
      description: required(params, "ReplicationGroupDescription"),
      engine,
      engineVersion: engineVersion.split(".").length < 3 ? `${engineVersion}.0` : engineVersion,
      nodeType: required(params, "CacheNodeType"),
      shards,
      nodesPerShard,
      clusterMode,
      parameterGroup: parameterGroup.name,
      subnetGroup: subnetGroup.name,
      securityGroupIds: listParam(params, "SecurityGroupIds"),
      userGroupIds,
      params,
    };
    this.replicationGroups.set(id, group);
    for (const name of [group.parameterGroup, group.subnetGroup]) link(this.groups.usedBy, name, id);
    for (const userGroup of userGroupIds) link(this.access.usedBy, userGroup, id);
    this.tags.create(arnOf("replicationgroup", id), params);
    return answer("CreateReplicationGroup", { ReplicationGroup: this.groupShape(group) });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeReplicationGroups.html */
  private describeReplicationGroups(params: QueryParams): QueryAnswer {
    const id = params.get("ReplicationGroupId");
    const groups = id ? [this.replicationGroup(id)] : [...this.replicationGroups.values()];
    return answer("DescribeReplicationGroups", {
      ReplicationGroups: xmlList(
        "ReplicationGroup",
        groups.map((g) => this.groupShape(g)),
      ),
    });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeCacheClusters.html (a group's member nodes) */
  private describeCacheClusters(params: QueryParams): QueryAnswer {
    const id = params.get("CacheClusterId");
    const clusters = [...this.replicationGroups.values()].flatMap((g) => members(g).map((member) => ({ group: g, member })));
    const chosen = id ? clusters.filter((c) => c.member === id) : clusters;
    if (id && chosen.length === 0) throw new QueryError("CacheClusterNotFound", `CacheCluster ${id} not found.`, 404);
    return answer("DescribeCacheClusters", {
      CacheClusters: xmlList(
        "CacheCluster",
        chosen.map(({ group, member }) => clusterShape(group, member)),
      ),
    });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html */
  private deleteReplicationGroup(params: QueryParams): QueryAnswer {
    const group = this.replicationGroup(required(params, "ReplicationGroupId"));
    this.replicationGroups.delete(group.id);
    for (const name of [group.parameterGroup, group.subnetGroup]) this.groups.usedBy.get(name)?.delete(group.id);
    for (const userGroup of group.userGroupIds) this.access.usedBy.get(userGroup)?.delete(group.id);
    this.tags.delete(arnOf("replicationgroup", group.id));
    return answer("DeleteReplicationGroup", { ReplicationGroup: { ...this.groupShape(group), Status: "deleting" } });
  }

  private replicationGroup(id: string): ReplicationGroup {
    const group = this.replicationGroups.get(id.toLowerCase());
    if (!group) throw new QueryError("ReplicationGroupNotFoundFault", `ReplicationGroup ${id} not found.`, 404);
    return group;
  }

  private groupShape(group: ReplicationGroup) {
    const p = group.params;
    const endpoint = (name: string) => ({ Address: `${name}.${group.id}.emulated.${region}.cache.amazonaws.com`, Port: Number(p.get("Port") ?? 6379) });
    const nodeGroups = Array.from({ length: group.shards }, (_, shard) => ({
      NodeGroupId: group.clusterMode ? String(shard + 1).padStart(4, "0") : "0001",
      Status: "available",
      ...(group.clusterMode ? {} : { PrimaryEndpoint: endpoint("master"), ReaderEndpoint: endpoint("replica") }),
      NodeGroupMembers: xmlList(
        "NodeGroupMember",
        members(group)
          .filter((m) => !group.clusterMode || m.startsWith(`${group.id}-${String(shard + 1).padStart(4, "0")}`))
          .map((m, i) => ({ CacheClusterId: m, CacheNodeId: "0001", CurrentRole: i === 0 ? "primary" : "replica", ReadEndpoint: endpoint(m) })),
      ),
    }));
    const enabled = (name: string) => (p.get(name) === "true" ? "enabled" : "disabled");
    return {
      ReplicationGroupId: group.id,
      Description: group.description,
      Status: "available",
      MemberClusters: xmlList("ClusterId", members(group)),
      NodeGroups: xmlList("NodeGroup", nodeGroups),
      ConfigurationEndpoint: group.clusterMode ? endpoint("clustercfg") : undefined,
      AutomaticFailover: enabled("AutomaticFailoverEnabled"),
      MultiAZ: enabled("MultiAZEnabled"),
      SnapshotRetentionLimit: Number(p.get("SnapshotRetentionLimit") ?? 0),
      SnapshotWindow: p.get("SnapshotWindow") ?? "05:00-06:00",
      ClusterEnabled: group.clusterMode,
      CacheNodeType: group.nodeType,
      AuthTokenEnabled: p.has("AuthToken"),
      TransitEncryptionEnabled: p.get("TransitEncryptionEnabled") === "true",
      AtRestEncryptionEnabled: p.get("AtRestEncryptionEnabled") === "true",
      KmsKeyId: p.get("KmsKeyId"),
      ARN: arnOf("replicationgroup", group.id),
      UserGroupIds: xmlList("member", group.userGroupIds),
      DataTiering: "disabled",
      AutoMinorVersionUpgrade: p.get("AutoMinorVersionUpgrade") !== "false",
      NetworkType: "ipv4",
      IpDiscovery: "ipv4",
      TransitEncryptionMode: p.get("TransitEncryptionEnabled") === "true" ? (p.get("TransitEncryptionMode") ?? "required") : undefined,
      ClusterMode: group.clusterMode ? "enabled" : "disabled",
      Engine: group.engine,
    };
  }
}

function link(usedBy: Map<string, Set<string>>, name: string, replicationGroupId: string): void {
  usedBy.set(name, (usedBy.get(name) ?? new Set()).add(replicationGroupId));
}

/** Member cluster ids as ElastiCache names them: `<group>-00N`, or `<group>-000S-00N` per shard in cluster mode. */
function members(group: ReplicationGroup): string[] {
  const node = (n: number) => String(n + 1).padStart(3, "0");
  return group.clusterMode
    ? Array.from({ length: group.shards }, (_, s) =>
        Array.from({ length: group.nodesPerShard }, (_, n) => `${group.id}-${String(s + 1).padStart(4, "0")}-${node(n)}`),
      ).flat()
    : Array.from({ length: group.nodesPerShard }, (_, n) => `${group.id}-${node(n)}`);
}

function clusterShape(group: ReplicationGroup, member: string) {
  const p = group.params;
  return {
    CacheClusterId: member,
    ReplicationGroupId: group.id,
    CacheNodeType: group.nodeType,
    Engine: group.engine,
    EngineVersion: group.engineVersion,
    CacheClusterStatus: "available",
    NumCacheNodes: 1,
    PreferredAvailabilityZone: `${region}a`,
    PreferredMaintenanceWindow: p.get("PreferredMaintenanceWindow") ?? "sun:05:00-sun:06:00",
    NotificationConfiguration: p.has("NotificationTopicArn") ? { TopicArn: p.get("NotificationTopicArn"), TopicStatus: "active" } : undefined,
    CacheParameterGroup: { CacheParameterGroupName: group.parameterGroup, ParameterApplyStatus: "in-sync" },
    CacheSubnetGroupName: group.subnetGroup,
    SecurityGroups: xmlList(
      "member",
      group.securityGroupIds.map((SecurityGroupId) => ({ SecurityGroupId, Status: "active" })),
    ),
    AutoMinorVersionUpgrade: p.get("AutoMinorVersionUpgrade") !== "false",
    SnapshotRetentionLimit: Number(p.get("SnapshotRetentionLimit") ?? 0),
    SnapshotWindow: p.get("SnapshotWindow") ?? "05:00-06:00",
    TransitEncryptionEnabled: p.get("TransitEncryptionEnabled") === "true",
    AtRestEncryptionEnabled: p.get("AtRestEncryptionEnabled") === "true",
    ARN: `arn:aws:elasticache:${region}:${account}:cluster:${member}`,
    ReplicationGroupLogDeliveryEnabled: false,
    NetworkType: "ipv4",
    IpDiscovery: "ipv4",
  };
}
