// ElastiCache parameter groups and subnet groups, which moto 5 lacks (parameter groups) or cannot
// delete (subnet groups), as the API reference describes them, in-use refusals included.
import { answer, listParam, QueryError, structListParam, xmlList, type QueryAnswer, type QueryParams } from "./query-protocol.js";
import { required } from "./elasticache-access.js";
import { arnOf, type Tags } from "./elasticache-tags.js";

interface ParameterGroup {
  name: string;
  family: string;
  description: string;
  parameters: Map<string, string>;
}

interface SubnetGroup {
  name: string;
  description: string;
  vpcId: string;
  subnets: { id: string; zone: string }[];
}

/** The families CreateCacheParameterGroup accepts for the engines the stack can choose. */
const families = /^(valkey[789]|redis[67]\.x|redis7|redis[2-5]\.\d+(\.\d+)?|memcached1\.[4-6])$/;

/** The VPC and zone of each subnet, from EC2 (moto): CreateCacheSubnetGroup refuses a subnet EC2 does not know. */
export type SubnetLookup = (ids: string[]) => Promise<{ id: string; vpcId: string; zone: string }[]>;

export class Groups {
  readonly parameterGroups = new Map<string, ParameterGroup>();
  readonly subnetGroups = new Map<string, SubnetGroup>();
  /** group name -> replication groups using it; deleting a used group is refused. */
  readonly usedBy = new Map<string, Set<string>>();

  constructor(
    private readonly tags: Tags,
    private readonly subnets: SubnetLookup,
  ) {}

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html */
  createParameterGroup(params: QueryParams): QueryAnswer {
    const name = required(params, "CacheParameterGroupName").toLowerCase();
    const family = required(params, "CacheParameterGroupFamily");
    if (!families.test(family)) throw new QueryError("InvalidParameterValue", `Invalid parameter group family: ${family}`);
    if (this.parameterGroups.has(name)) throw new QueryError("CacheParameterGroupAlreadyExists", `Parameter group ${name} already exists.`);
    const group = { name, family, description: required(params, "Description"), parameters: new Map<string, string>() };
    this.parameterGroups.set(name, group);
    this.tags.create(arnOf("parametergroup", name), params);
    return answer("CreateCacheParameterGroup", { CacheParameterGroup: parameterGroupShape(group) });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyCacheParameterGroup.html (at most 20 a call) */
  modifyParameterGroup(params: QueryParams): QueryAnswer {
    const group = this.parameterGroup(required(params, "CacheParameterGroupName"));
    const changes = structListParam(params, "ParameterNameValues");
    if (changes.length === 0 || changes.length > 20)
      throw new QueryError("InvalidParameterValue", "Between 1 and 20 parameters can be modified in one request");
    for (const { ParameterName, ParameterValue } of changes) group.parameters.set(ParameterName, ParameterValue);
    return answer("ModifyCacheParameterGroup", { CacheParameterGroupName: group.name });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeCacheParameterGroups.html */
  describeParameterGroups(params: QueryParams): QueryAnswer {
    const name = params.get("CacheParameterGroupName");
    const groups = name ? [this.parameterGroup(name)] : [...this.parameterGroups.values()];
    return answer("DescribeCacheParameterGroups", { CacheParameterGroups: xmlList("CacheParameterGroup", groups.map(parameterGroupShape)) });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeCacheParameters.html (the user-set ones) */
  describeParameters(params: QueryParams): QueryAnswer {
    const group = this.parameterGroup(required(params, "CacheParameterGroupName"));
    const parameters = [...group.parameters].map(([ParameterName, ParameterValue]) => ({ ParameterName, ParameterValue, Source: "user", IsModifiable: true }));
    return answer("DescribeCacheParameters", { Parameters: xmlList("Parameter", parameters) });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheParameterGroup.html */
  deleteParameterGroup(params: QueryParams): QueryAnswer {
    const group = this.parameterGroup(required(params, "CacheParameterGroupName"));
    this.refuseInUse(group.name, "InvalidCacheParameterGroupState", "Parameter group");
    this.parameterGroups.delete(group.name);
    this.tags.delete(arnOf("parametergroup", group.name));
    return answer("DeleteCacheParameterGroup", {});
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html */
  async createSubnetGroup(params: QueryParams): Promise<QueryAnswer> {
    const name = required(params, "CacheSubnetGroupName").toLowerCase();
    if (this.subnetGroups.has(name)) throw new QueryError("CacheSubnetGroupAlreadyExists", `Cache subnet group ${name} already exists.`);
    const ids = listParam(params, "SubnetIds");
    const known = await this.subnets(ids);
    const unknown = ids.find((id) => !known.some((s) => s.id === id));
    if (unknown) throw new QueryError("InvalidSubnet", `The subnet ID ${unknown} does not exist`);
    if (new Set(known.map((s) => s.vpcId)).size !== 1) throw new QueryError("InvalidParameterValue", "The subnets of a cache subnet group must be in one VPC");
    const group = { name, description: required(params, "CacheSubnetGroupDescription"), vpcId: known[0].vpcId, subnets: known };
    this.subnetGroups.set(name, group);
    this.tags.create(arnOf("subnetgroup", name), params);
    return answer("CreateCacheSubnetGroup", { CacheSubnetGroup: subnetGroupShape(group) });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeCacheSubnetGroups.html */
  describeSubnetGroups(params: QueryParams): QueryAnswer {
    const name = params.get("CacheSubnetGroupName");
    const groups = name ? [this.subnetGroup(name)] : [...this.subnetGroups.values()];
    return answer("DescribeCacheSubnetGroups", { CacheSubnetGroups: xmlList("CacheSubnetGroup", groups.map(subnetGroupShape)) });
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheSubnetGroup.html */
  deleteSubnetGroup(params: QueryParams): QueryAnswer {
    const group = this.subnetGroup(required(params, "CacheSubnetGroupName"));
    this.refuseInUse(group.name, "CacheSubnetGroupInUse", "Cache subnet group");
    this.subnetGroups.delete(group.name);
    this.tags.delete(arnOf("subnetgroup", group.name));
    return answer("DeleteCacheSubnetGroup", {});
  }

  parameterGroup(name: string): ParameterGroup {
    const group = this.parameterGroups.get(name.toLowerCase());
    if (!group) throw new QueryError("CacheParameterGroupNotFound", `CacheParameterGroup ${name} not found.`, 404);
    return group;
  }

  subnetGroup(name: string): SubnetGroup {
    const group = this.subnetGroups.get(name.toLowerCase());
    if (!group) throw new QueryError("CacheSubnetGroupNotFoundFault", `CacheSubnetGroup ${name} not found.`);
    return group;
  }

  private refuseInUse(name: string, code: string, what: string): void {
    const users = [...(this.usedBy.get(name) ?? [])];
    if (users.length) throw new QueryError(code, `${what} ${name} is in use by replication group ${users.join(", ")}.`);
  }
}

const parameterGroupShape = (group: ParameterGroup) => ({
  CacheParameterGroupName: group.name,
  CacheParameterGroupFamily: group.family,
  Description: group.description,
  IsGlobal: false,
  ARN: arnOf("parametergroup", group.name),
});

const subnetGroupShape = (group: SubnetGroup) => ({
  CacheSubnetGroupName: group.name,
  CacheSubnetGroupDescription: group.description,
  VpcId: group.vpcId,
  Subnets: xmlList(
    "Subnet",
    group.subnets.map((s) => ({ SubnetIdentifier: s.id, SubnetAvailabilityZone: { Name: s.zone } })),
  ),
  ARN: arnOf("subnetgroup", group.name),
  SupportedNetworkTypes: xmlList("member", ["ipv4"]),
});
