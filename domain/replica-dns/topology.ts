// ElastiCache DescribeReplicationGroups -> the keeper's topology (cluster mode disabled only).
import type { ReplicationGroup } from "@aws-sdk/client-elasticache";
import { TopologyError, TopologyUnsettled } from "./errors.js";
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
  const settled = (group.Status ?? "available") === "available" && (nodeGroups[0]?.Status ?? "available") === "available";
  for (const member of nodeGroups[0]?.NodeGroupMembers ?? []) {
    const address = member.ReadEndpoint?.Address;
    const role = member.CurrentRole;
    if (!member.CacheClusterId || !address || (role !== "primary" && role !== "replica")) {
      // Mid-failover (the group `modifying`) a member may show no role yet: acting now would drop its record.
      if (!settled) throw new TopologyUnsettled(`replication group ${id} is ${group.Status}: member ${member.CacheClusterId} has no role or endpoint yet`);
      // In a settled group it is a node being created; it gets its record on a later event.
      continue;
    }
    nodes.push({ id: member.CacheClusterId, target: address.toLowerCase(), role });
  }
  return nodes;
}
