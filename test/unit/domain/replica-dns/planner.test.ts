import { expect } from "chai";
import { parseInvocation } from "../../../../domain/replica-dns/events.js";
import { applyChanges, planRecordChanges, validateNaming, type CacheNode, type RecordChange, type RecordSet } from "../../../../domain/replica-dns/planner.js";
import { TopologyUnsettled } from "../../../../domain/replica-dns/errors.js";
import { nodesOfReplicationGroup } from "../../../../domain/replica-dns/topology.js";

const naming = { zone: "cache.internal.", template: "replica.cache.internal.", ttl: 10 };
const node = (id: string, role: CacheNode["role"]): CacheNode => ({ id, target: `${id}.abc123.0001.use1.cache.amazonaws.com`, role });
const cname = (n: number, id: string): RecordSet => ({ name: `replica${n}.cache.internal.`, value: node(id, "replica").target, ttl: 10 });
const summary = (changes: RecordChange[]) => changes.map((c) => `${c.action} ${c.record.name} ${c.record.value.split(".")[0]}`);
const applied = applyChanges;

describe("domain/replica-dns/planner", () => {
  const group = [node("g-001", "primary"), node("g-002", "replica"), node("g-003", "replica")];
  const settled = [cname(1, "g-002"), cname(2, "g-003")];

  it("gives every replica one CNAME and the primary none", () => {
    expect(summary(planRecordChanges(group, [], naming))).to.deep.equal(["UPSERT replica1.cache.internal. g-002", "UPSERT replica2.cache.internal. g-003"]);
  });

  it("plans nothing when the zone already matches (so no API call)", () => {
    expect(planRecordChanges(group, settled, naming)).to.deep.equal([]);
  });

  it("failover: only the promoted replica's record changes, and the old primary takes its number", () => {
    const after = [node("g-001", "replica"), node("g-002", "replica"), node("g-003", "primary")];
    expect(summary(planRecordChanges(after, settled, naming))).to.deep.equal(["UPSERT replica2.cache.internal. g-001"]);
  });

  it("never leaves a record on the primary, whatever the zone held", () => {
    const after = [node("g-001", "replica"), node("g-002", "primary"), node("g-003", "replica")];
    const zone = applied(settled, planRecordChanges(after, settled, naming));
    const primary = after.find((n) => n.role === "primary")!;
    expect(zone.map((r) => r.value)).to.not.include(primary.target);
    expect(zone).to.have.length(2);
  });

  it("node replaced with a new endpoint: its number is reused for the new address", () => {
    const replaced = [node("g-001", "primary"), node("g-002", "replica"), { ...node("g-003", "replica"), target: "g-003.new.cache.amazonaws.com" }];
    expect(planRecordChanges(replaced, settled, naming).map((c) => `${c.action} ${c.record.name} ${c.record.value}`)).to.deep.equal([
      "UPSERT replica2.cache.internal. g-003.new.cache.amazonaws.com",
    ]);
  });

  it("replica added: it gets the lowest free number", () => {
    const zone = [cname(1, "g-002"), cname(3, "g-003")];
    const grown = [...group, node("g-004", "replica")];
    expect(summary(planRecordChanges(grown, zone, naming))).to.deep.equal(["UPSERT replica2.cache.internal. g-004"]);
  });

  it("replica removed: its record is deleted and the others keep their numbers", () => {
    const shrunk = [node("g-001", "primary"), node("g-003", "replica")];
    expect(summary(planRecordChanges(shrunk, settled, naming))).to.deep.equal(["DELETE replica1.cache.internal. g-002"]);
  });

  it("two events at once (a failover and a new replica) settle in one batch", () => {
    const after = [node("g-001", "replica"), node("g-002", "replica"), node("g-003", "primary"), node("g-004", "replica")];
    const changes = planRecordChanges(after, settled, naming);
    expect(summary(changes)).to.deep.equal(["UPSERT replica2.cache.internal. g-001", "UPSERT replica3.cache.internal. g-004"]);
    expect(planRecordChanges(after, applied(settled, changes), naming)).to.deep.equal([]);
  });

  it("events twice or out of order converge on the same zone", () => {
    const failedOver = [node("g-001", "replica"), node("g-002", "replica"), node("g-003", "primary")];
    const once = applied(settled, planRecordChanges(failedOver, settled, naming));
    // The same event again, and an older topology seen late, then the current one again.
    expect(planRecordChanges(failedOver, once, naming)).to.deep.equal([]);
    const stale = applied(once, planRecordChanges(group, once, naming));
    const healed = applied(stale, planRecordChanges(failedOver, stale, naming));
    expect(planRecordChanges(failedOver, healed, naming)).to.deep.equal([]);
    expect(healed.map((r) => r.value).sort()).to.deep.equal([node("g-001", "replica").target, node("g-002", "replica").target]);
  });

  it("fail safe: a group with no node, or no primary, changes nothing (it never removes every record)", () => {
    expect(() => planRecordChanges([], settled, naming)).to.throw(TopologyUnsettled, /no nodes: changing nothing/);
    expect(() => planRecordChanges([node("g-002", "replica"), node("g-003", "replica")], settled, naming)).to.throw(TopologyUnsettled, /no primary/);
  });

  it("a removed replica's record goes, and records the keeper does not own stay", () => {
    const other = { name: "www.cache.internal.", value: "example.com", ttl: 300 };
    expect(summary(planRecordChanges([node("g-001", "primary"), node("g-002", "replica")], [...settled, other], naming))).to.deep.equal([
      "DELETE replica2.cache.internal. g-003",
    ]);
  });

  it("duplicate records for one replica: the lowest number stays, the rest are deleted", () => {
    const zone = [cname(1, "g-002"), cname(2, "g-003"), cname(5, "g-002")];
    expect(summary(planRecordChanges(group, zone, naming))).to.deep.equal(["DELETE replica5.cache.internal. g-002"]);
  });

  it("repairs a TTL edited by hand", () => {
    const zone = [cname(1, "g-002"), { ...cname(2, "g-003"), ttl: 3600 }];
    expect(summary(planRecordChanges(group, zone, naming))).to.deep.equal(["UPSERT replica2.cache.internal. g-003"]);
  });

  it("optional reader (weighted over replicas) and primary records", () => {
    const withNames = { ...naming, readerName: "reader.cache.internal.", primaryName: "primary.cache.internal." };
    const changes = planRecordChanges(group, settled, withNames);
    expect(changes.map((c) => `${c.record.name}[${c.record.setIdentifier ?? ""}] ${c.record.weight ?? ""}`)).to.deep.equal([
      "primary.cache.internal.[] ",
      "reader.cache.internal.[g-002] 1",
      "reader.cache.internal.[g-003] 1",
    ]);
    // With no replica left the reader name has no record at all: never the primary.
    const zone = applied(settled, changes);
    const alone = planRecordChanges([node("g-001", "primary")], zone, withNames);
    expect(alone.filter((c) => c.record.name === "reader.cache.internal.").map((c) => c.action)).to.deep.equal(["DELETE", "DELETE"]);
  });

  it("refuses two primaries instead of guessing", () => {
    expect(() => planRecordChanges([node("a", "primary"), node("b", "primary")], [], naming)).to.throw(/2 primaries/);
  });

  describe("naming validation (before any change)", () => {
    it("accepts a template inside the zone", () => {
      expect(validateNaming({ ...naming, template: "Replica.Cache.Internal" }).template).to.equal("replica.cache.internal.");
    });
    for (const [template, message] of [
      ["replica.other.internal.", /not inside the zone/],
      ["replica..cache.internal.", /not a valid DNS name/],
      ["rep_lica.cache.internal.", /not a valid DNS name/],
      [`${"r".repeat(64)}.cache.internal.`, /not a valid DNS name/],
      ["cache.internal.", /not inside the zone/],
      ["replica2.cache.internal.", /must not end its first label with a digit/],
    ] as const) {
      it(`refuses ${template.slice(0, 30)}`, () => {
        expect(() => planRecordChanges([], [], { ...naming, template })).to.throw(message);
      });
    }
    it("refuses a bad reader name", () => {
      expect(() => validateNaming({ ...naming, readerName: "reader.elsewhere." })).to.throw(/reader name "reader.elsewhere." is not inside/);
    });
  });

  describe("DescribeReplicationGroups -> nodes", () => {
    it("reads members, roles and read endpoints (cluster mode disabled)", () => {
      const nodes = nodesOfReplicationGroup({
        ReplicationGroupId: "testdns",
        ClusterEnabled: false,
        NodeGroups: [
          {
            NodeGroupId: "0001",
            Status: "available",
            PrimaryEndpoint: { Address: "testdns.abc123.ng.0001.use1.cache.amazonaws.com", Port: 6379 },
            ReaderEndpoint: { Address: "testdns-ro.abc123.ng.0001.use1.cache.amazonaws.com", Port: 6379 },
            NodeGroupMembers: [
              {
                CacheClusterId: "testdns-001",
                CacheNodeId: "0001",
                ReadEndpoint: { Address: "testdns-001.abc123.0001.use1.cache.amazonaws.com", Port: 6379 },
                PreferredAvailabilityZone: "us-east-1a",
                CurrentRole: "primary",
              },
              {
                CacheClusterId: "testdns-002",
                CacheNodeId: "0001",
                ReadEndpoint: { Address: "testdns-002.abc123.0001.use1.cache.amazonaws.com", Port: 6379 },
                PreferredAvailabilityZone: "us-east-1b",
                CurrentRole: "replica",
              },
              { CacheClusterId: "testdns-003", CacheNodeId: "0001", PreferredAvailabilityZone: "us-east-1c" },
            ],
          },
        ],
      });
      expect(nodes).to.deep.equal([
        { id: "testdns-001", target: "testdns-001.abc123.0001.use1.cache.amazonaws.com", role: "primary" },
        { id: "testdns-002", target: "testdns-002.abc123.0001.use1.cache.amazonaws.com", role: "replica" },
      ]);
    });
    it("refuses cluster-mode-enabled input with a clear message", () => {
      expect(() =>
        nodesOfReplicationGroup({ ReplicationGroupId: "feat", ClusterEnabled: true, NodeGroups: [{ NodeGroupId: "0001" }, { NodeGroupId: "0002" }] }),
      ).to.throw(/replication group feat has cluster mode enabled \(2 node groups\)/);
    });
  });

  describe("SNS events", () => {
    const sns = (...messages: string[]) => ({ Records: messages.map((Message) => ({ EventSource: "aws:sns", Sns: { Message } })) });
    it("takes every pair of a message, keeps this group's topology events, ignores the rest with a reason", () => {
      const invocation = parseInvocation(
        sns(
          JSON.stringify({ "ElastiCache:FailoverComplete": "testdns-002", "ElastiCache:SnapshotComplete": "testdns-001" }),
          JSON.stringify({ "ElastiCache:TestFailoverApiCalled": "other-001" }),
          "not json",
        ),
        "testdns",
      );
      expect(invocation.trigger).to.equal("sns");
      expect(invocation.relevant).to.deep.equal([{ type: "ElastiCache:FailoverComplete", source: "testdns-002" }]);
      expect(invocation.ignored.map((i) => i.reason)).to.deep.equal(["event does not change the topology", "not a node of testdns", "message is not JSON"]);
    });
    it("tells the schedule from a manual invoke", () => {
      expect(parseInvocation({ source: "aws.events", "detail-type": "Scheduled Event" }, "g").trigger).to.equal("schedule");
      expect(parseInvocation({}, "g").trigger).to.equal("manual");
    });
  });
});
