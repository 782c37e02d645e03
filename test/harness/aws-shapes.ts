// AWS API responses for the keeper's tests, shaped as in the ElastiCache and Route 53 API references.
import type { DescribeReplicationGroupsCommandOutput } from "@aws-sdk/client-elasticache";
import type { ListResourceRecordSetsCommandOutput } from "@aws-sdk/client-route-53";

const member = (n: number, role: "primary" | "replica") => ({
  CacheClusterId: `testdns-00${n}`,
  CacheNodeId: "0001",
  ReadEndpoint: { Address: `testdns-00${n}.abc123.0001.use1.cache.amazonaws.com`, Port: 6379 },
  PreferredAvailabilityZone: `us-east-1${"abc"[n - 1]}`,
  CurrentRole: role,
});
/** Group `testdns` of three nodes, node `primary` the primary. */
export const describe3 = (primary: number): Omit<DescribeReplicationGroupsCommandOutput, "$metadata"> => ({
  ReplicationGroups: [
    {
      ReplicationGroupId: "testdns",
      Description: "replica dns test",
      Status: "available",
      MemberClusters: ["testdns-001", "testdns-002", "testdns-003"],
      NodeGroups: [
        {
          NodeGroupId: "0001",
          Status: "available",
          PrimaryEndpoint: { Address: "testdns.abc123.ng.0001.use1.cache.amazonaws.com", Port: 6379 },
          ReaderEndpoint: { Address: "testdns-ro.abc123.ng.0001.use1.cache.amazonaws.com", Port: 6379 },
          NodeGroupMembers: [1, 2, 3].map((n) => member(n, n === primary ? "primary" : "replica")),
        },
      ],
      AutomaticFailover: "enabled",
      MultiAZ: "enabled",
      ClusterEnabled: false,
    },
  ],
});
/** The zone with its SOA and `replicaN -> node` CNAMEs. */
export const zoneRecords = (...pairs: [number, number][]): Omit<ListResourceRecordSetsCommandOutput, "$metadata"> => ({
  ResourceRecordSets: [
    {
      Name: "cache.internal.",
      Type: "SOA" as const,
      TTL: 900,
      ResourceRecords: [{ Value: "ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400" }],
    },
    ...pairs.map(([n, node]) => ({
      Name: `replica${n}.cache.internal.`,
      Type: "CNAME" as const,
      TTL: 10,
      ResourceRecords: [{ Value: `testdns-00${node}.abc123.0001.use1.cache.amazonaws.com` }],
    })),
  ],
  IsTruncated: false,
  MaxItems: 300,
});
