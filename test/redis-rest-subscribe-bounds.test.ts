import { expect } from "chai";
import { Redis } from "ioredis";
import { RedisSubscriber } from "../domain/redis/subscriber.js";
import { endpointFromUrl } from "../domain/redis/connector.js";
import { gatewayUser } from "../domain/redis/engine-users.js";
import { redisCommand } from "../local/launcher/services.js";
import { eventually } from "./harness/eventually.js";
import { everyStreamClosed, numsub, openStream, startSubscribeBed, tenantPrefix, tokens, type SubscribeBed } from "./harness/subscribe-bed.js";

const [rw, tenant] = tokens.readWrite;
const [ro] = tokens.readOnly;

describe("pub/sub over HTTP: scopes, keyspace channels, limits and bounds", function () {
  this.timeout(15_000);
  let bed: SubscribeBed;
  const publish = (channel: string, payload: string) => redisCommand(bed.node.url, "PUBLISH", channel, payload);
  const refusalOf = async (path: string, token: string, headers: Record<string, string> = {}) => {
    const stream = await openStream(bed.server.endpoint, path, token, headers);
    await stream.ended;
    return { status: stream.status, error: (JSON.parse(stream.text()) as { error: string }).error };
  };

  before(async () => {
    bed = await startSubscribeBed({ subscriptionsPerCaller: 3, streamBufferBytes: 64 * 1024, keyspaceChannelScopes: ["write:tenant-a:"] });
  });
  after(() => bed.stop());
  // A passing test leaves no stream open (a failing one's are its own failure, not the next test's).
  afterEach(async function () {
    if (this.currentTest?.state === "passed") await everyStreamClosed(bed);
  });

  it("a tenant subscribes only under its prefix: a channel outside, or a pattern that could match outside, is refused by name", async () => {
    expect(await refusalOf("/subscribe/other:room", tenant)).to.deep.equal({
      status: 400,
      error: `ERR channel "other:room" is outside this credential's prefix "${tenantPrefix}"`,
    });
    for (const pattern of ["*", "tenant-a*", "tenant-a?room", "[t]enant-a:*", "tenant\\-a:*"]) {
      const refused = await refusalOf(`/psubscribe/${encodeURIComponent(pattern)}`, tenant);
      expect(refused.status, pattern).to.equal(400);
      expect(refused.error, pattern).to.include("could match channels outside this credential's prefix");
    }
    expect(bed.points.filter((p) => p.name === "Refusals" && p.reason === "subscription")).to.have.length(6);
  });

  it("a tenant's pattern hears only its own matching channels, though Redis admits only its whole prefix as a pattern", async () => {
    const stream = await openStream(bed.server.endpoint, `/psubscribe/${encodeURIComponent("tenant-a:room*")}`, tenant);
    await stream.until("the confirmation", (t) => t.includes("data: psubscribe,tenant-a:room*,1\n\n"));
    await publish("tenant-a:lobby", "not this");
    await publish("other:room1", "nor this");
    await publish("tenant-a:room1", "this");
    await stream.until("the room's message", (t) => t.includes("data: pmessage,tenant-a:room*,tenant-a:room1,this\n\n"));
    expect(stream.text()).not.to.match(/not this|nor this/);
    stream.abort();

    // The engine's own wall: the tenant's user is refused another prefix's channel, and any pattern but its own glob.
    const user = gatewayUser({ access: "write", prefix: tenantPrefix }, { scripts: false });
    const asTenant = async (subscriptions: { channels: string[]; patterns: string[] }) => {
      let settle: (outcome: string) => void = () => {};
      const outcome = new Promise<string>((resolve) => (settle = resolve));
      const subscriber = await RedisSubscriber.open(
        { ...endpointFromUrl(bed.node.url), username: user.name, password: "pw-for-tests" },
        subscriptions,
        { message: () => {}, subscribed: (_kind, name) => settle(`subscribed ${name.toString()}`), tooLarge: () => {}, ended: settle },
        1024,
      );
      const answer = await outcome;
      subscriber.close();
      return answer;
    };
    expect(await asTenant({ channels: ["other:room"], patterns: [] })).to.match(/NOPERM/);
    expect(await asTenant({ channels: [], patterns: ["tenant-a:room*"] })).to.match(/NOPERM/);
    expect(await asTenant({ channels: [], patterns: ["tenant-a:*"] })).to.equal("subscribed tenant-a:*");
  });

  it("a read-only token subscribes; nobody hears keyspace notifications unless KEYSPACE_CHANNEL_SCOPES names the scope", async () => {
    for (const path of ["/subscribe/__keyspace@0__:k", "/psubscribe/__keyevent@*", "/subscribe/__keyevent@0__:set"]) {
      const refused = await refusalOf(path, rw);
      expect(refused.status, path).to.equal(400);
      expect(refused.error, path).to.include("keyspace notification channel");
    }
    // `*` on an unconfined scope hears every channel but the keyspace ones: a write's notifications come before the publish after it.
    const everything = await openStream(bed.server.endpoint, "/psubscribe/*", ro);
    await everything.until("the confirmation", (t) => t.includes("data: psubscribe,*,1\n\n"));
    await redisCommand(bed.node.url, "SET", "written", "1");
    await publish("news", "after the write");
    await everything.until("the news", (t) => t.includes("data: pmessage,*,news,after the write\n\n"));
    expect(everything.text()).not.to.include("__key");
    everything.abort();

    // The tenant's scope is named: it hears its own keys' notifications, and no one else's.
    const own = await openStream(bed.server.endpoint, "/subscribe/__keyspace@0__:tenant-a:k", tenant);
    await own.until("the confirmation", (t) => t.includes("data: subscribe,__keyspace@0__:tenant-a:k,1\n\n"));
    await redisCommand(bed.node.url, "SET", "tenant-a:k", "v");
    await own.until("the notification", (t) => t.includes("data: message,__keyspace@0__:tenant-a:k,set\n\n"));
    own.abort();
    expect((await refusalOf("/subscribe/__keyspace@0__:other:k", tenant)).error).to.include("outside this credential's prefix");
    expect((await refusalOf("/subscribe/__keyevent@0__:set", tenant)).error).to.include("outside this credential's prefix");
  });

  it("streams per credential are limited (429 naming the setting); closing one admits the next", async () => {
    const open = await Promise.all(["a", "b", "c"].map((c) => openStream(bed.server.endpoint, `/subscribe/limit-${c}`, rw)));
    await Promise.all(open.map((s, i) => s.until("the confirmation", (t) => t.includes(`subscribe,limit-${"abc"[i]},1`))));
    const fourth = await openStream(bed.server.endpoint, "/subscribe/limit-d", rw);
    await fourth.ended;
    expect(fourth.status).to.equal(429);
    expect(fourth.headers.get("retry-after")).to.equal("5");
    expect(fourth.text()).to.include("the limit per credential (SUBSCRIPTIONS_PER_CALLER)");
    // Another credential is not held back by this one's streams.
    const other = await openStream(bed.server.endpoint, "/subscribe/limit-d", ro);
    expect(other.status).to.equal(200);
    open[0].abort();
    await eventually(
      "the aborted stream counted out",
      async () => bed.gateway.streams.open,
      (n) => n === 3,
    );
    const again = await openStream(bed.server.endpoint, "/subscribe/limit-e", rw);
    expect(again.status).to.equal(200);
    for (const stream of [...open.slice(1), other, again]) stream.abort();
  });

  it("a client abort closes the Redis subscriber and counts the stream out, with the reason", async () => {
    const stream = await openStream(bed.server.endpoint, "/subscribe/aborted", ro);
    await stream.until("the confirmation", (t) => t.includes("subscribe,aborted,1"));
    expect(await numsub(bed.node.url, "aborted")).to.equal(1);
    stream.abort();
    await eventually(
      "Redis's subscriber gone",
      () => numsub(bed.node.url, "aborted"),
      (n) => n === 0,
    );
    await eventually(
      "counted out",
      async () => bed.gateway.streams.open,
      (n) => n === 0,
    );
    expect(bed.points.filter((p) => p.name === "StreamsClosed" && p.reason === "client").length).to.be.greaterThan(0);
  });

  it("Upstash-Response-Format: resp2 answers RESP2 bytes (commands, pipelines, and streams, exact for any payload); other formats are refused", async () => {
    const call = async (path: string, body: string | undefined, headers: Record<string, string>) => {
      const response = await fetch(`${bed.server.endpoint}${path}`, { method: "POST", headers: { authorization: `Bearer ${rw}`, ...headers }, body });
      return { status: response.status, type: response.headers.get("content-type"), body: Buffer.from(await response.arrayBuffer()).toString("latin1") };
    };
    const resp2 = { "upstash-response-format": "resp2" };
    expect(await call("/set/r2/bar", undefined, resp2)).to.deep.equal({ status: 200, type: "application/octet-stream", body: "+OK\r\n" });
    expect((await call("/get/r2", undefined, resp2)).body).to.equal("$3\r\nbar\r\n");
    expect(
      (
        await call(
          "/pipeline",
          JSON.stringify([
            ["INCR", "r2n"],
            ["GET", "missing"],
            ["LPUSH", "r2", "x"],
          ]),
          resp2,
        )
      ).body,
    ).to.equal(":1\r\n$-1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    expect((await call("/multi-exec", JSON.stringify([["GET", "r2"]]), resp2)).body, "transactions answer JSON").to.equal('[{"result":"bar"}]');
    expect(await call("/get/r2", undefined, { "upstash-response-format": "xml" })).to.include({ status: 400 });
    expect((await call("/get/r2", undefined, { ...resp2, "upstash-encoding": "base64" })).status).to.equal(400);

    const stream = await openStream(bed.server.endpoint, "/subscribe/bytes", rw, resp2);
    expect(stream.headers.get("content-type")).to.equal("application/octet-stream");
    await stream.until("the confirmation", (t) => t.includes("*3\r\n$9\r\nsubscribe\r\n$5\r\nbytes\r\n:1\r\n"));
    const payload = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2c, 0xc3, 0x28]);
    const publisher = new Redis(bed.node.url);
    await publisher.publish("bytes", payload);
    publisher.disconnect();
    const frame = `*3\r\n$7\r\nmessage\r\n$5\r\nbytes\r\n$7\r\n${payload.toString("latin1")}\r\n`;
    await stream.until("the message's exact bytes", (t) => t.includes(frame));
    stream.abort();
  });

  it("the normal command route refuses SUBSCRIBE and PSUBSCRIBE (a held connection would block its lease)", async () => {
    for (const command of [
      ["SUBSCRIBE", "x"],
      ["PSUBSCRIBE", "x*"],
    ]) {
      const response = await fetch(bed.server.endpoint, { method: "POST", headers: { authorization: `Bearer ${rw}` }, body: JSON.stringify(command) });
      expect(response.status, command[0]).to.equal(400);
    }
  });
});
