import { expect } from "chai";
import { Redis as Upstash } from "@upstash/redis";
import { redisCommand } from "../local/launcher/services.js";
import { eventually } from "./harness/eventually.js";
import { everyStreamClosed, numsub, openStream, startSubscribeBed, tokens, type SubscribeBed } from "./harness/subscribe-bed.js";

type Subscriber = ReturnType<Upstash["subscribe"]>;

/** Resolves with the first `n` events of `type` the subscriber dispatches (state, not time). */
function heard<T>(subscriber: Subscriber, type: string, n = 1): Promise<T[]> {
  const seen: T[] = [];
  return new Promise((resolve) =>
    subscriber.on(type as "message", (event) => {
      seen.push(event as T);
      if (seen.length === n) resolve(seen);
    }),
  );
}

// The scenarios of the client's own subscribe.test.ts and psubscribe.test.ts (its repository's tests,
// not shipped in the npm package), run with the unmodified client against the local REST endpoint;
// where they sleep and hope, these wait for the subscription's own confirmation event.
describe("pub/sub over HTTP: the unmodified @upstash/redis client's subscribe and psubscribe", function () {
  this.timeout(30_000);
  let bed: SubscribeBed;
  let redis: Upstash;

  before(async () => {
    bed = await startSubscribeBed();
    redis = new Upstash({ url: bed.server.endpoint, token: tokens.readWrite[0], enableTelemetry: false, retry: false });
  });
  after(() => bed.stop());
  // A passing test leaves no stream open (a failing one's are its own failure, not the next test's).
  afterEach(async function () {
    if (this.currentTest?.state === "passed") await everyStreamClosed(bed);
  });

  const subscribed = async (subscriber: Subscriber, kind: "subscribe" | "psubscribe" = "subscribe") => {
    await heard(subscriber, kind);
    return subscriber;
  };

  it("receives a single published message, and the subscribe event counts 1", async () => {
    const subscriber = redis.subscribe<string>(["test-single"]);
    const counts = heard<number>(subscriber, "subscribe");
    const messages = heard<{ message: string }>(subscriber, "message");
    expect(await counts).to.deep.equal([1]);
    expect(await redis.publish("test-single", "really?")).to.equal(1);
    expect((await messages).map((m) => m.message)).to.deep.equal(["really?"]);
    await subscriber.unsubscribe();
  });

  it("receives multiple messages in order, and channel-specific listeners get theirs", async () => {
    const subscriber = await subscribed(redis.subscribe(["test-multiple"]));
    const messages = heard<{ message: { n: number } }>(subscriber, "message", 3);
    const specific = heard<{ message: { n: number } }>(subscriber, "message:test-multiple", 3);
    for (const n of [1, 2, 3]) await redis.publish("test-multiple", { n, at: Date.now() });
    expect((await messages).map((m) => m.message.n)).to.deep.equal([1, 2, 3]);
    expect((await specific).map((m) => m.message.n)).to.deep.equal([1, 2, 3]);
    await subscriber.unsubscribe();
  });

  it("two subscribers to one channel each get the message, each counting its own subscription (1)", async () => {
    const first = redis.subscribe(["test-multi-sub"]);
    const second = redis.subscribe(["test-multi-sub"]);
    const counts = await Promise.all([heard<number>(first, "subscribe"), heard<number>(second, "subscribe")]);
    expect(counts).to.deep.equal([[1], [1]]);
    const both = Promise.all([first, second].map((s) => heard<{ message: unknown }>(s, "message")));
    expect(await redis.publish("test-multi-sub", { broadcast: true })).to.equal(2);
    expect((await both).map(([m]) => m.message)).to.deep.equal([{ broadcast: true }, { broadcast: true }]);
    await Promise.all([first.unsubscribe(), second.unsubscribe()]);
  });

  it("unsubscribing from one channel ends its stream (Redis drops that subscriber) and keeps the other", async () => {
    const subscriber = redis.subscribe(["channel1", "channel2"]);
    await heard(subscriber, "subscribe", 2);
    await subscriber.unsubscribe(["channel1"]);
    expect(subscriber.getSubscribedChannels()).to.deep.equal(["channel2"]);
    await eventually(
      "channel1's Redis subscriber gone",
      () => numsub(bed.node.url, "channel1"),
      (n) => n === 0,
    );
    const next = heard<{ channel: string; message: unknown }>(subscriber, "message");
    expect(await redis.publish("channel1", { test: "after1" })).to.equal(0);
    await redis.publish("channel2", { test: "after2" });
    expect(await next).to.deep.equal([{ channel: "channel2", message: { test: "after2" } }]);
    await subscriber.unsubscribe();
  });

  it("psubscribe: only channels the pattern matches, with the pattern and channel named", async () => {
    const subscriber = await subscribed(redis.psubscribe(["chat:*:messages"]), "psubscribe");
    const events = heard<{ pattern: string; channel: string; message: unknown }>(subscriber, "pmessage", 2);
    await redis.publish("chat:room1:users", { msg: "not this" });
    await redis.publish("chat:room1:messages", { msg: "Hello Room 1" });
    await redis.publish("chat:room2:messages", { msg: "Hello Room 2" });
    expect(await events).to.deep.equal([
      { pattern: "chat:*:messages", channel: "chat:room1:messages", message: { msg: "Hello Room 1" } },
      { pattern: "chat:*:messages", channel: "chat:room2:messages", message: { msg: "Hello Room 2" } },
    ]);
    await subscriber.unsubscribe();
  });

  it("psubscribe to two patterns, then unsubscribe from one: the other keeps hearing", async () => {
    const subscriber = redis.psubscribe(["user:*", "chat:*"]);
    await heard(subscriber, "psubscribe", 2);
    const first = heard<{ pattern: string; channel: string }>(subscriber, "pmessage", 2);
    await redis.publish("other:xyz", { type: "other" });
    await redis.publish("user:123", { type: "user" });
    await redis.publish("chat:room1", { type: "chat" });
    // One stream per pattern (as the client opens them): their messages arrive in no order between them.
    expect((await first).map((e) => `${e.pattern} ${e.channel}`).sort()).to.deep.equal(["chat:* chat:room1", "user:* user:123"]);
    await subscriber.unsubscribe(["user:*"]);
    expect(subscriber.getSubscribedChannels()).to.deep.equal(["chat:*"]);
    await eventually(
      "one stream left",
      async () => bed.gateway.streams.open,
      (open) => open === 1,
    );
    const after = heard<{ pattern: string; message: { msg: string } }>(subscriber, "pmessage");
    await redis.publish("user:123", { msg: "user2" });
    await redis.publish("chat:room1", { msg: "chat2" });
    expect((await after).map((e) => [e.pattern, e.message.msg])).to.deep.equal([["chat:*", "chat2"]]);
    await subscriber.unsubscribe();
  });

  it("pattern and channel subscriptions together both hear one publish", async () => {
    const pattern = await subscribed(redis.psubscribe(["user:*"]), "psubscribe");
    const channel = await subscribed(redis.subscribe(["user:123"]));
    const both = Promise.all([heard<{ message: unknown }>(pattern, "pmessage"), heard<{ message: unknown }>(channel, "message")]);
    await redis.publish("user:123", { msg: "Hello" });
    expect((await both).map(([e]) => e.message)).to.deep.equal([{ msg: "Hello" }, { msg: "Hello" }]);
    await Promise.all([pattern.unsubscribe(), channel.unsubscribe()]);
  });

  it("payloads arrive exactly: JSON with commas, quotes and non-ASCII text, and a 175 KB payload split across many chunks", async () => {
    const subscriber = await subscribed(redis.subscribe(["exact"]));
    const big = { text: 'x,y"z '.repeat(25_000), emoji: "caf\u00e9 \u{1f600}", nested: { list: [1, "a,b", null] } };
    const messages = heard<{ message: unknown }>(subscriber, "message", 2);
    await redis.publish("exact", { small: "a,b,c", quote: '"' });
    await redis.publish("exact", big);
    expect((await messages).map((m) => m.message)).to.deep.equal([{ small: "a,b,c", quote: '"' }, big]);
    await subscriber.unsubscribe();
  });

  it("the stream is server-sent events: subscribe, message and pmessage lines as the client parses them, a payload's line feeds on continuation lines", async () => {
    const stream = await openStream(bed.server.endpoint, "/subscribe/raw-sse", tokens.readWrite[0]);
    expect(stream.status).to.equal(200);
    expect(stream.headers.get("content-type")).to.match(/^text\/event-stream/);
    await stream.until("the confirmation", (t) => t.includes("data: subscribe,raw-sse,1\n\n"));
    await redisCommand(bed.node.url, "PUBLISH", "raw-sse", "line one\nline two");
    await stream.until("the message", (t) => t.includes("data: message,raw-sse,line one\ndata: line two\n\n"));
    stream.abort();
  });
});
