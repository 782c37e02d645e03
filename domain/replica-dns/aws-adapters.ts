// The keeper's AWS side: ElastiCache for the topology, Route 53 for the zone.
import { DescribeReplicationGroupsCommand, type ElastiCacheClient } from "@aws-sdk/client-elasticache";
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
  type Route53Client,
} from "@aws-sdk/client-route-53";
import { withRetry, defaultRetryPolicy, type RetryPolicy } from "../runtime/retry.js";
import type { RecordZone, TopologySource } from "./keeper.js";
import { absolute, type CacheNode, type RecordChange, type RecordSet } from "./planner.js";
import { nodesOfReplicationGroup, TopologyError } from "./topology.js";

export class ElastiCacheTopology implements TopologySource {
  constructor(
    private readonly client: ElastiCacheClient,
    private readonly groupId: string,
  ) {}

  async nodes(): Promise<CacheNode[]> {
    try {
      const { ReplicationGroups = [] } = await this.client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: this.groupId }));
      if (ReplicationGroups.length !== 1) throw new TopologyError(`replication group ${this.groupId} not found`);
      return nodesOfReplicationGroup(ReplicationGroups[0]);
    } catch (error) {
      if ((error as Error).name === "ReplicationGroupNotFoundFault") throw new TopologyError(`replication group ${this.groupId} not found`);
      throw error;
    }
  }
}

const retryableRoute53Errors = new Set(["Throttling", "ThrottlingException", "PriorRequestNotComplete"]);
export const isRetryableRoute53Error = (error: unknown) => retryableRoute53Errors.has((error as Error)?.name);

const toRecordSet = (set: ResourceRecordSet): RecordSet[] =>
  (set.ResourceRecords ?? []).map((r) => ({
    name: absolute(set.Name ?? ""),
    value: absolute(r.Value ?? "").replace(/\.$/, ""),
    ttl: set.TTL ?? 0,
    ...(set.SetIdentifier !== undefined ? { setIdentifier: set.SetIdentifier, weight: set.Weight } : {}),
  }));

const toResourceRecordSet = (r: RecordSet): ResourceRecordSet => ({
  Name: r.name,
  Type: "CNAME",
  TTL: r.ttl,
  ResourceRecords: [{ Value: r.value }],
  ...(r.setIdentifier !== undefined ? { SetIdentifier: r.setIdentifier, Weight: r.weight } : {}),
});

export class Route53Zone implements RecordZone {
  constructor(
    private readonly client: Route53Client,
    private readonly zoneId: string,
    private readonly retry: RetryPolicy = defaultRetryPolicy,
  ) {}

  async name(): Promise<string> {
    try {
      const { HostedZone } = await this.client.send(new GetHostedZoneCommand({ Id: this.zoneId }));
      return absolute(HostedZone?.Name ?? "");
    } catch (error) {
      if ((error as Error).name === "NoSuchHostedZone") throw new TopologyError(`hosted zone ${this.zoneId} not found`);
      throw error;
    }
  }

  async records(): Promise<RecordSet[]> {
    const records: RecordSet[] = [];
    let page: Partial<ListResourceRecordSetsCommandOutput> = { IsTruncated: true };
    while (page.IsTruncated) {
      page = await withRetry(
        () =>
          this.client.send(
            new ListResourceRecordSetsCommand({
              HostedZoneId: this.zoneId,
              StartRecordName: page.NextRecordName,
              StartRecordType: page.NextRecordType,
              StartRecordIdentifier: page.NextRecordIdentifier,
            }),
          ),
        isRetryableRoute53Error,
        this.retry,
      );
      for (const set of page.ResourceRecordSets ?? []) if (set.Type === "CNAME") records.push(...toRecordSet(set));
    }
    return records;
  }

  async apply(changes: RecordChange[]): Promise<void> {
    const command = new ChangeResourceRecordSetsCommand({
      HostedZoneId: this.zoneId,
      ChangeBatch: {
        Comment: "replica-dns-keeper",
        Changes: changes.map((c) => ({ Action: c.action, ResourceRecordSet: toResourceRecordSet(c.record) })),
      },
    });
    await withRetry(() => this.client.send(command), isRetryableRoute53Error, this.retry);
  }
}
