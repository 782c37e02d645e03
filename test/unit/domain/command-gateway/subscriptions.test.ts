import { expect } from "chai";
import { BadRequest, CommandRefused } from "../../../../domain/command-gateway/errors.js";
import { RateLimited } from "../../../../domain/command-gateway/rate-limits.js";
import {
  checkSubscription,
  engineSubscriptions,
  maxNamesPerStream,
  patternsMatching,
  StreamLimits,
  subscribeRoute,
  type SubscribeRequest,
} from "../../../../domain/command-gateway/subscriptions.js";

const tenant = { access: "write" as const, prefix: "tenant-a:" };
const unconfined = { access: "read" as const };
const none: { keyspaceChannelScopes: string[] } = { keyspaceChannelScopes: [] };
const why = (request: SubscribeRequest, scope: typeof tenant | typeof unconfined, settings = none) => {
  try {
    checkSubscription(request, scope, settings);
    return "allowed";
  } catch (error) {
    expect(error).to.be.instanceOf(CommandRefused);
    return (error as Error).message;
  }
};

describe("domain/command-gateway/subscriptions: what a stream may hear, and how many may be open", () => {
  it("routes: /subscribe and /psubscribe with one or more percent-decoded names; anything else is not a stream", () => {
    expect(subscribeRoute("/subscribe/chat")).to.deep.equal({ kind: "subscribe", names: ["chat"] });
    expect(subscribeRoute("/PSUBSCRIBE/user%3A*/chat%3A*")).to.deep.equal({ kind: "psubscribe", names: ["user:*", "chat:*"] });
    expect(subscribeRoute("/get/key")).to.equal(undefined);
    expect(() => subscribeRoute("/subscribe")).to.throw(BadRequest, "/subscribe needs at least one channel");
    expect(() => subscribeRoute("/subscribe/%E0%A4%A")).to.throw(BadRequest, "not valid percent-encoding");
    expect(() => subscribeRoute(`/subscribe/${"c/".repeat(maxNamesPerStream + 1)}`)).to.throw(BadRequest, `at most ${maxNamesPerStream}`);
  });

  it("a tenant: channels under its prefix; patterns only when they start with the prefix spelled literally", () => {
    expect(why({ kind: "subscribe", names: ["tenant-a:room"] }, tenant)).to.equal("allowed");
    expect(why({ kind: "subscribe", names: ["tenant-b:room"] }, tenant)).to.equal(
      'ERR channel "tenant-b:room" is outside this credential\'s prefix "tenant-a:"',
    );
    expect(why({ kind: "psubscribe", names: ["tenant-a:room[0-9]*"] }, tenant)).to.equal("allowed");
    for (const pattern of ["*", "tenant-a*", "tenant-?:*", "[t]enant-a:*", "tenant\\-a:*"]) {
      expect(why({ kind: "psubscribe", names: [pattern] }, tenant), pattern).to.include("could match channels outside this credential's prefix");
    }
    // A prefix holding glob characters must be escaped in the pattern to be literal.
    const starry = { access: "write" as const, prefix: "a*b:" };
    expect(why({ kind: "psubscribe", names: ["a*b:*"] }, starry)).to.include("could match channels outside");
    expect(why({ kind: "psubscribe", names: ["a\\*b:*"] }, starry)).to.equal("allowed");
  });

  it("keyspace channels: refused by name unless the scope is listed, and then a tenant's own keys' only", () => {
    expect(why({ kind: "subscribe", names: ["__keyspace@0__:k"] }, unconfined)).to.include("is a keyspace notification channel");
    expect(why({ kind: "psubscribe", names: ["__keyevent@*"] }, unconfined)).to.include("KEYSPACE_CHANNEL_SCOPES does not allow");
    expect(why({ kind: "psubscribe", names: ["*"] }, unconfined), "a pattern that only could match them: Redis never sends them").to.equal("allowed");
    const listed = { keyspaceChannelScopes: ["read", "write:tenant-a:"] };
    expect(why({ kind: "subscribe", names: ["__keyevent@0__:set"] }, unconfined, listed)).to.equal("allowed");
    expect(why({ kind: "subscribe", names: ["__keyspace@0__:tenant-a:k"] }, tenant, listed)).to.equal("allowed");
    expect(why({ kind: "psubscribe", names: ["__keyspace@0__:tenant-a:*"] }, tenant, listed)).to.equal("allowed");
    expect(why({ kind: "subscribe", names: ["__keyspace@0__:other:k"] }, tenant, listed)).to.include("outside this credential's prefix");
    expect(why({ kind: "subscribe", names: ["__keyevent@0__:set"] }, tenant, listed)).to.include("outside this credential's prefix");
  });

  it("patterns past the glob limits are refused before anything is subscribed", () => {
    expect(why({ kind: "psubscribe", names: ["*".repeat(20)] }, unconfined)).to.include("stars is over the limit");
  });

  it("Redis hears channels as asked, and for patterns the scope's own globs; messages are filtered by the patterns asked", () => {
    expect(engineSubscriptions({ kind: "subscribe", names: ["a", "b"] }, tenant, none)).to.deep.equal({ channels: ["a", "b"], patterns: [] });
    expect(engineSubscriptions({ kind: "psubscribe", names: ["tenant-a:x*"] }, tenant, none)).to.deep.equal({ channels: [], patterns: ["tenant-a:*"] });
    expect(engineSubscriptions({ kind: "psubscribe", names: ["x*"] }, unconfined, none).patterns).to.include("[^_]*");
    expect(patternsMatching(["tenant-a:room*", "tenant-a:*"])(Buffer.from("tenant-a:room1"))).to.deep.equal(["tenant-a:room*", "tenant-a:*"]);
    expect(patternsMatching(["tenant-a:room*"])(Buffer.from("tenant-a:lobby"))).to.deep.equal([]);
    // Byte for byte: a channel that is not UTF-8 is matched as Redis sees it.
    expect(patternsMatching(["\u00ff*"])(Buffer.from([0xc3, 0xbf, 0x41]))).to.deep.equal(["\u00ff*"]);
  });

  it("limits: per credential and per process, each stream counted out once", () => {
    const limits = new StreamLimits({ subscriptionsPerCaller: 2, subscriptionsPerProcess: 3 });
    const a1 = limits.admit("a");
    limits.admit("a");
    expect(() => limits.admit("a")).to.throw(RateLimited, "SUBSCRIPTIONS_PER_CALLER");
    limits.admit("b");
    expect(() => limits.admit("c")).to.throw(RateLimited, "SUBSCRIPTIONS_PER_PROCESS");
    a1();
    a1();
    expect(limits.open).to.equal(2);
    expect(() => limits.admit("c")).not.to.throw();
  });
});
