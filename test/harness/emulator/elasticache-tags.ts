// ElastiCache tags by ARN (ListTagsForResource, AddTagsToResource, RemoveTagsFromResource), as the
// provider reads and writes them after every create.
import { answer, listParam, QueryError, structListParam, xmlList, type QueryAnswer, type QueryParams } from "./query-protocol.js";

export const region = "us-east-1";
export const account = "123456789012";

export const arnOf = (kind: string, id: string) => `arn:aws:elasticache:${region}:${account}:${kind}:${id}`;

export class Tags {
  private readonly byArn = new Map<string, Map<string, string>>();

  /** A new resource's tags (`Tags.Tag.N.Key/Value` on its create request). */
  create(arn: string, params: QueryParams): void {
    this.byArn.set(arn, new Map(structListParam(params, "Tags").map((t) => [t.Key, t.Value ?? ""])));
  }

  delete(arn: string): void {
    this.byArn.delete(arn);
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ListTagsForResource.html */
  list(params: QueryParams): QueryAnswer {
    return answer("ListTagsForResource", this.tagList(this.resource(params)));
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_AddTagsToResource.html */
  add(params: QueryParams): QueryAnswer {
    const tags = this.resource(params);
    for (const tag of structListParam(params, "Tags")) tags.set(tag.Key, tag.Value ?? "");
    return answer("AddTagsToResource", this.tagList(tags));
  }

  /** https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_RemoveTagsFromResource.html */
  remove(params: QueryParams): QueryAnswer {
    const tags = this.resource(params);
    for (const key of listParam(params, "TagKeys")) tags.delete(key);
    return answer("RemoveTagsFromResource", this.tagList(tags));
  }

  private resource(params: QueryParams): Map<string, string> {
    const arn = params.get("ResourceName") ?? "";
    if (!arn.startsWith("arn:aws:elasticache:")) throw new QueryError("InvalidARN", `${arn} is not a valid ElastiCache ARN`);
    const tags = this.byArn.get(arn);
    if (!tags) throw new QueryError(notFoundCode(arn), `${arn} not found.`, 404);
    return tags;
  }

  private tagList(tags: Map<string, string>) {
    return {
      TagList: xmlList(
        "Tag",
        [...tags].map(([Key, Value]) => ({ Key, Value })),
      ),
    };
  }
}

const notFoundCodes: Record<string, string> = {
  replicationgroup: "ReplicationGroupNotFoundFault",
  cluster: "CacheClusterNotFound",
  parametergroup: "CacheParameterGroupNotFound",
  subnetgroup: "CacheSubnetGroupNotFoundFault",
  user: "UserNotFound",
  usergroup: "UserGroupNotFound",
};
const notFoundCode = (arn: string) => notFoundCodes[arn.split(":")[5]] ?? "InvalidARN";
