import { expect } from "chai";
import { belongsToGroup, parseInvocation } from "../../../../domain/replica-dns/events.js";

const sns = (...messages: string[]) => ({ Records: messages.map((Message) => ({ EventSource: "aws:sns", Sns: { Message } })) });

describe("domain/replica-dns/events: what invoked the keeper", () => {
  it("keeps the topology events of its group's nodes; says why it ignores the rest", () => {
    const invocation = parseInvocation(
      sns(
        '{"ElastiCache:FailoverComplete":"testdns-002","ElastiCache:SnapshotComplete":"testdns-001"}',
        '{"ElastiCache:FailoverComplete":"other-001"}',
        "not json",
      ),
      "testdns",
    );
    expect(invocation.trigger).to.equal("sns");
    expect(invocation.relevant).to.deep.equal([{ type: "ElastiCache:FailoverComplete", source: "testdns-002" }]);
    expect(invocation.ignored.map((i) => i.reason)).to.deep.equal(["event does not change the topology", "not a node of testdns", "message is not JSON"]);
  });

  it("the schedule and a person's invocation are told apart; node names belong to their group only", () => {
    expect(parseInvocation({ source: "aws.events" }, "g").trigger).to.equal("schedule");
    expect(parseInvocation({}, "g").trigger).to.equal("manual");
    expect(belongsToGroup("testdns-0001-002", "testdns")).to.equal(true);
    expect(belongsToGroup("testdnsx-001", "testdns")).to.equal(false);
  });
});
