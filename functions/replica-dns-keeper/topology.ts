// ElastiCache DescribeReplicationGroups -> the keeper's topology (cluster mode disabled only).
import type { ReplicationGroup } from "@aws-sdk/client-elasticache";
import { TopologyError } from "./errors.js";
import type { CacheNode } from "./planner.js";

export { TopologyError };

export function nodesOfReplicationGroup(group: ReplicationGroup): CacheNode[] {
  const id = group.ReplicationGroupId ?? "(unnamed)";
  const nodeGroups = group.NodeGroups ?? [];
  if (group.ClusterEnabled || nodeGroups.length > 1) {
    throw new TopologyError(
      `replication group ${id} has cluster mode enabled (${nodeGroups.length} node groups): replica CNAMEs apply to cluster-mode-disabled groups only; use the configuration endpoint instead`,
    );
  }
  const nodes: CacheNode[] = [];
  for (const member of nodeGroups[0]?.NodeGroupMembers ?? []) {
    // A node being created or replaced has no endpoint or role yet; it gets its record on a later event.
    const address = member.ReadEndpoint?.Address;
    if (!member.CacheClusterId || !address) continue;
    if (member.CurrentRole !== "primary" && member.CurrentRole !== "replica") continue;
    nodes.push({ id: member.CacheClusterId, target: address.toLowerCase(), role: member.CurrentRole });
  }
  return nodes;
}
