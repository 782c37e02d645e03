import { expect } from "chai";
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { ChangeResourceRecordSetsCommand, GetHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53";
import { mockClient } from "aws-sdk-client-mock";
import { ElastiCacheTopology, Route53Zone } from "../../../../domain/replica-dns/aws-adapters.js";
import { TopologyError } from "../../../../domain/replica-dns/errors.js";
import { describe3 } from "../../../harness/aws-shapes.js";

const noWait = { attempts: 3, baseMs: 0, maxMs: 0 };
const named = (name: string) => Object.assign(new Error(name), { name });

describe("domain/replica-dns/aws-adapters: ElastiCache for the topology, Route 53 for the zone", () => {
  it("reads the group's nodes; a missing group is a TopologyError naming it", async () => {
    const client = new ElastiCacheClient({ region: "us-east-1" });
    const mock = mockClient(client);
    mock.on(DescribeReplicationGroupsCommand).resolves(describe3(1));
    const nodes = await new ElastiCacheTopology(client, "testdns").nodes();
    expect(nodes.map((n) => n.role)).to.include("primary");
    mock.on(DescribeReplicationGroupsCommand).rejects(named("ReplicationGroupNotFoundFault"));
    await new ElastiCacheTopology(client, "testdns").nodes().then(
      () => expect.fail("resolved"),
      (e: Error) => expect([e.constructor.name, e.message]).to.deep.equal([TopologyError.name, "replication group testdns not found"]),
    );
  });

  it("lists every page of CNAMEs (weighted ones with their identifiers), retrying a throttled page", async () => {
    const client = new Route53Client({ region: "us-east-1" });
    const mock = mockClient(client);
    mock
      .on(ListResourceRecordSetsCommand)
      .rejectsOnce(named("Throttling"))
      .resolvesOnce({
        ResourceRecordSets: [
          { Name: "replica1.cache.internal.", Type: "CNAME", TTL: 10, ResourceRecords: [{ Value: "testdns-002.cache.local" }] },
          { Name: "cache.internal.", Type: "SOA", ResourceRecords: [{ Value: "ns" }] },
        ],
        IsTruncated: true,
        NextRecordName: "replica2.cache.internal.",
        NextRecordType: "CNAME",
        MaxItems: 1,
      })
      .resolvesOnce({
        ResourceRecordSets: [
          {
            Name: "reader.cache.internal.",
            Type: "CNAME",
            TTL: 10,
            SetIdentifier: "testdns-003",
            Weight: 1,
            ResourceRecords: [{ Value: "testdns-003.cache.local." }],
          },
        ],
        IsTruncated: false,
        MaxItems: 1,
      });
    const records = await new Route53Zone(client, "Z1", noWait).records();
    expect(records).to.deep.equal([
      { name: "replica1.cache.internal.", value: "testdns-002.cache.local", ttl: 10 },
      { name: "reader.cache.internal.", value: "testdns-003.cache.local", ttl: 10, setIdentifier: "testdns-003", weight: 1 },
    ]);
    expect(mock.commandCalls(ListResourceRecordSetsCommand)[2].args[0].input.StartRecordName).to.equal("replica2.cache.internal.");
  });

  it("applies a change batch as one request; a missing zone is a TopologyError", async () => {
    const client = new Route53Client({ region: "us-east-1" });
    const mock = mockClient(client);
    mock.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: "C1", Status: "PENDING", SubmittedAt: new Date() } });
    await new Route53Zone(client, "Z1", noWait).apply([
      { action: "UPSERT", record: { name: "replica1.cache.internal.", value: "testdns-003.cache.local", ttl: 10 } },
    ]);
    const [change] = mock.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch!.Changes!;
    expect(change).to.deep.equal({
      Action: "UPSERT",
      ResourceRecordSet: { Name: "replica1.cache.internal.", Type: "CNAME", TTL: 10, ResourceRecords: [{ Value: "testdns-003.cache.local" }] },
    });
    mock.on(GetHostedZoneCommand).rejects(named("NoSuchHostedZone"));
    await new Route53Zone(client, "Z404", noWait).name().then(
      () => expect.fail("resolved"),
      (e: Error) => expect(e.message).to.equal("hosted zone Z404 not found"),
    );
  });
});
