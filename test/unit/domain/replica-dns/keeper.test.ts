import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { ChangeResourceRecordSetsCommand, GetHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53";
import { ElastiCacheTopology, Route53Zone } from "../../../../domain/replica-dns/aws-adapters.js";
import { parseInvocation } from "../../../../domain/replica-dns/events.js";
import { ReplicaDnsKeeper } from "../../../../domain/replica-dns/keeper.js";
import { memoryLogger } from "../../../../domain/runtime/log.js";
import { describe3, zoneRecords } from "../../../harness/aws-shapes.js";

const sns = (message: Record<string, string>) => ({
  Records: [
    {
      EventSource: "aws:sns",
      EventVersion: "1.0",
      Sns: { Type: "Notification", TopicArn: "arn:aws:sns:us-east-1:123456789012:cache-events", Message: JSON.stringify(message) },
    },
  ],
});
const throttled = (name: string) => Object.assign(new Error(`Rate exceeded (${name})`), { name, $metadata: { httpStatusCode: 400 } });

describe("domain/replica-dns/keeper: one run of the keeper (ElastiCache and Route 53 at the SDK boundary)", () => {
  const elastiCache = mockClient(ElastiCacheClient);
  const route53 = mockClient(Route53Client);
  const fastRetry = { attempts: 5, baseMs: 1, maxMs: 2 };
  let log: ReturnType<typeof memoryLogger>;
  // The handler's edge: the raw event is parsed before the keeper sees it.
  const keeper = (template = "replica.cache.internal.") => {
    const core = new ReplicaDnsKeeper(
      new ElastiCacheTopology(new ElastiCacheClient({ region: "us-east-1" }), "testdns"),
      new Route53Zone(new Route53Client({ region: "us-east-1" }), "Z0123456789ABC", fastRetry),
      { groupId: "testdns", naming: { template, ttl: 10 } },
      log,
    );
    return { handle: (event: unknown) => core.handle(parseInvocation(event, "testdns")) };
  };

  beforeEach(() => {
    elastiCache.reset();
    route53.reset();
    log = memoryLogger();
    route53.on(GetHostedZoneCommand).resolves({
      HostedZone: { Id: "/hostedzone/Z0123456789ABC", Name: "cache.internal.", CallerReference: "x", Config: { PrivateZone: true }, ResourceRecordSetCount: 4 },
      VPCs: [{ VPCRegion: "us-east-1", VPCId: "vpc-1" }],
    });
    route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: "/change/C1", Status: "PENDING", SubmittedAt: new Date() } });
  });

  it("a failover event sends exactly one batch with only the record that must change", async () => {
    elastiCache.on(DescribeReplicationGroupsCommand).resolves(describe3(2));
    route53.on(ListResourceRecordSetsCommand).resolves(zoneRecords([1, 2], [2, 3]));
    const result = await keeper().handle(sns({ "ElastiCache:FailoverComplete": "testdns-002" }));
    expect(result.changes).to.have.length(1);
    const calls = route53.commandCalls(ChangeResourceRecordSetsCommand);
    expect(calls).to.have.length(1);
    expect(calls[0].args[0].input).to.deep.equal({
      HostedZoneId: "Z0123456789ABC",
      ChangeBatch: {
        Comment: "replica-dns-keeper",
        Changes: [
          {
            Action: "UPSERT",
            ResourceRecordSet: {
              Name: "replica1.cache.internal.",
              Type: "CNAME",
              TTL: 10,
              ResourceRecords: [{ Value: "testdns-001.abc123.0001.use1.cache.amazonaws.com" }],
            },
          },
        ],
      },
    });
    expect(elastiCache.commandCalls(DescribeReplicationGroupsCommand)[0].args[0].input).to.deep.equal({ ReplicationGroupId: "testdns" });
  });

  it("makes no Route 53 change call when nothing changed", async () => {
    elastiCache.on(DescribeReplicationGroupsCommand).resolves(describe3(1));
    route53.on(ListResourceRecordSetsCommand).resolves(zoneRecords([1, 2], [2, 3]));
    await keeper().handle(sns({ "ElastiCache:TestFailoverApiCalled": "testdns" }));
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(0);
  });

  it("ignores other clusters' and unknown events without calling ElastiCache", async () => {
    const result = await keeper().handle(sns({ "ElastiCache:FailoverComplete": "other-002", "ElastiCache:SnapshotComplete": "testdns-001" }));
    expect(result.events).to.equal(0);
    expect(elastiCache.calls()).to.have.length(0);
    expect(log.entries.map((e) => e.reason)).to.deep.equal(
      ["not a node of other", "event does not change the topology"].map((r) => r.replace("other", "testdns")),
    );
  });

  it("retries Route 53 throttling (Throttling, PriorRequestNotComplete) with backoff, then succeeds", async () => {
    elastiCache.on(DescribeReplicationGroupsCommand).resolves(describe3(3));
    route53
      .on(ListResourceRecordSetsCommand)
      .rejectsOnce(throttled("Throttling"))
      .resolves(zoneRecords([1, 2], [2, 3]));
    route53
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(throttled("Throttling"))
      .rejectsOnce(throttled("PriorRequestNotComplete"))
      .resolves({ ChangeInfo: { Id: "/change/C2", Status: "PENDING", SubmittedAt: new Date() } });
    const result = await keeper().handle({ source: "aws.events", "detail-type": "Scheduled Event" });
    expect(result.trigger).to.equal("schedule");
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(3);
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).to.have.length(2);
  });

  it("gives up after the retry budget and surfaces the error", async () => {
    elastiCache.on(DescribeReplicationGroupsCommand).resolves(describe3(3));
    route53.on(ListResourceRecordSetsCommand).resolves(zoneRecords([1, 2], [2, 3]));
    route53.on(ChangeResourceRecordSetsCommand).rejects(throttled("Throttling"));
    let error: unknown;
    await keeper()
      .handle({})
      .catch((e: Error) => (error = e));
    expect((error as Error).name).to.equal("Throttling");
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(fastRetry.attempts);
  });

  it("does not retry other Route 53 errors", async () => {
    elastiCache.on(DescribeReplicationGroupsCommand).resolves(describe3(3));
    route53.on(ListResourceRecordSetsCommand).resolves(zoneRecords([1, 2], [2, 3]));
    route53.on(ChangeResourceRecordSetsCommand).rejects(Object.assign(new Error("bad"), { name: "InvalidChangeBatch" }));
    await keeper()
      .handle({})
      .catch(() => undefined);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(1);
  });

  it("follows ListResourceRecordSets pagination", async () => {
    elastiCache.on(DescribeReplicationGroupsCommand).resolves(describe3(1));
    route53
      .on(ListResourceRecordSetsCommand, { StartRecordName: undefined })
      .resolves({ ...zoneRecords([1, 2]), IsTruncated: true, NextRecordName: "replica2.cache.internal.", NextRecordType: "CNAME" });
    route53.on(ListResourceRecordSetsCommand, { StartRecordName: "replica2.cache.internal." }).resolves(zoneRecords([2, 3]));
    await keeper().handle({});
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).to.have.length(2);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(0);
  });

  it("a template outside the zone is a clear error before anything is described or changed", async () => {
    let error: unknown;
    await keeper("replica.elsewhere.internal.")
      .handle({})
      .catch((e: Error) => (error = e));
    expect((error as Error).message).to.equal('CNAME template "replica.elsewhere.internal." is not inside the zone "cache.internal."');
    expect(elastiCache.calls()).to.have.length(0);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(0);
  });

  it("an unknown cluster or zone is a clear error", async () => {
    elastiCache.on(DescribeReplicationGroupsCommand).rejects(Object.assign(new Error("ReplicationGroup not found"), { name: "ReplicationGroupNotFoundFault" }));
    route53.on(ListResourceRecordSetsCommand).resolves(zoneRecords());
    let error: unknown;
    await keeper()
      .handle({})
      .catch((e: Error) => (error = e));
    expect((error as Error).message).to.equal("replication group testdns not found");

    route53.on(GetHostedZoneCommand).rejects(Object.assign(new Error("No hosted zone"), { name: "NoSuchHostedZone" }));
    error = undefined;
    await keeper()
      .handle({})
      .catch((e: Error) => (error = e));
    expect((error as Error).message).to.equal("hosted zone Z0123456789ABC not found");
  });

  describe("fail safe: an unsettled, empty or unreadable topology changes nothing (warned and counted)", () => {
    const held = async (arrange: () => void) => {
      arrange();
      route53.on(ListResourceRecordSetsCommand).resolves(zoneRecords([1, 2], [2, 3]));
      const k = keeper();
      const result = await k.handle(sns({ "ElastiCache:FailoverComplete": "testdns-002" }));
      expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(0);
      expect(log.entries.filter((e) => e.level === "warn" && e.message === "replica records left unchanged")).to.have.length(1);
      return result;
    };

    it("a group in `modifying` mid-failover whose members show no role yet", async () => {
      const group = describe3(2);
      const modifying = { ...group.ReplicationGroups![0], Status: "modifying" };
      modifying.NodeGroups = [
        { ...modifying.NodeGroups![0], NodeGroupMembers: modifying.NodeGroups![0].NodeGroupMembers!.map((m) => ({ ...m, CurrentRole: undefined })) },
      ];
      const result = await held(() => elastiCache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [modifying] }));
      expect(result.held).to.match(/replication group testdns is modifying: member testdns-001 has no role or endpoint yet/);
    });

    it("a group with no primary, and a group with no node at all", async () => {
      const group = describe3(0);
      expect((await held(() => elastiCache.on(DescribeReplicationGroupsCommand).resolves(group))).held).to.match(/no primary/);
      log = memoryLogger();
      const empty = {
        ReplicationGroups: [{ ...group.ReplicationGroups![0], NodeGroups: [{ ...group.ReplicationGroups![0].NodeGroups![0], NodeGroupMembers: [] }] }],
      };
      expect((await held(() => elastiCache.on(DescribeReplicationGroupsCommand).resolves(empty))).held).to.match(/no nodes/);
    });

    it("a DescribeReplicationGroups that fails", async () => {
      const result = await held(() => elastiCache.on(DescribeReplicationGroupsCommand).rejects(throttled("Throttling")));
      expect(result.held).to.match(/Rate exceeded/);
    });
  });
});
