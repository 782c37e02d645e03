import { expect } from "chai";
import { TopologyUnsettled } from "../../../../domain/replica-dns/errors.js";
import { nodesOfReplicationGroup, TopologyError } from "../../../../domain/replica-dns/topology.js";

const member = (id: string, role: string | undefined, address = `${id}.cache.local`) => ({
  CacheClusterId: id,
  CurrentRole: role,
  ReadEndpoint: { Address: address, Port: 6379 },
});

describe("domain/replica-dns/topology: DescribeReplicationGroups as the keeper's nodes", () => {
  it("each member with its role and lower-cased address", () => {
    const nodes = nodesOfReplicationGroup({
      ReplicationGroupId: "g",
      Status: "available",
      NodeGroups: [{ NodeGroupMembers: [member("g-001", "primary", "G-001.Cache.Local"), member("g-002", "replica")] }],
    });
    expect(nodes).to.deep.equal([
      { id: "g-001", target: "g-001.cache.local", role: "primary" },
      { id: "g-002", target: "g-002.cache.local", role: "replica" },
    ]);
  });

  it("a member without a role: skipped while settled (being created), unsettled mid-failover; cluster mode is refused", () => {
    const group = (Status: string) => ({
      ReplicationGroupId: "g",
      Status,
      NodeGroups: [{ NodeGroupMembers: [member("g-001", "primary"), member("g-003", undefined)] }],
    });
    expect(nodesOfReplicationGroup(group("available"))).to.have.length(1);
    expect(() => nodesOfReplicationGroup(group("modifying"))).to.throw(TopologyUnsettled, "g is modifying");
    expect(() => nodesOfReplicationGroup({ ReplicationGroupId: "g", ClusterEnabled: true, NodeGroups: [{}, {}] })).to.throw(
      TopologyError,
      "cluster mode enabled",
    );
  });
});
