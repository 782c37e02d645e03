import { expect } from "chai";
import { Subscriptions, type SubscriptionEvents } from "../../../../../domain/change-feed/capture/subscriptions.js";
import { fakeNode } from "./fake-node.js";

const config = { consumer: "host-1", probeIntervalMs: 60_000, probeTimeoutMs: 100 };
/** The events, handled as the listener does: a notification is a change unless it is one of the probes. */
const recorder = () => {
  const seen = { attached: [] as string[], heard: [] as [boolean, string | undefined][], changes: [] as string[] };
  const of: { subscriptions?: Subscriptions } = {};
  const events: SubscriptionEvents = {
    notification: (_channel, key) => {
      if (!of.subscriptions!.isProbe(key)) seen.changes.push(key);
    },
    attached: (why) => seen.attached.push(why),
    heard: (ok, why) => seen.heard.push([ok, why]),
  };
  return { seen, events, of };
};

describe("domain/change-feed/capture/subscriptions: keyspace notifications that must prove they are heard", () => {
  it("subscribes on each captured primary and proves it hears a probe written through the client; probes are not changes", async () => {
    const node = fakeNode();
    const { seen, events, of } = recorder();
    const subscriptions = (of.subscriptions = new Subscriptions(node.client, node.connect, () => true, config, events));
    expect(await subscriptions.start()).to.equal(true);
    expect(node.subscribers[0].patterns).to.deep.equal(["__keyevent@*__:*"]);
    expect(seen.attached).to.deep.equal(["start"]);
    expect(seen.heard).to.deep.equal([[true, undefined]]);
    expect(seen.changes).to.deep.equal([]);
    node.subscribers[0].emit("pmessage", "__keyevent@*__:*", "__keyevent@0__:hset", "person:1");
    expect(seen.changes).to.deep.equal(["person:1"]);
    await subscriptions.stop();
    expect(subscriptions.status()).to.deep.equal(["10.0.0.1:6379 end"]);
  });

  it("a subscriber that hears nothing is reported deaf, naming the probe it missed", async () => {
    const node = fakeNode();
    node.deaf = true;
    const { seen, events, of } = recorder();
    const subscriptions = (of.subscriptions = new Subscriptions(node.client, node.connect, () => true, config, events));
    expect(await subscriptions.start()).to.equal(false);
    expect(seen.heard[0][0]).to.equal(false);
    expect(seen.heard[0][1]).to.match(/^no notification of changefeed:probe:host-1 within 100 ms$/);
    await subscriptions.stop();
  });

  it("a listener that captures no shard subscribes nowhere", async () => {
    const node = fakeNode();
    const { events, of } = recorder();
    const subscriptions = (of.subscriptions = new Subscriptions(node.client, node.connect, () => false, config, events));
    expect(await subscriptions.start()).to.equal(true);
    expect(node.subscribers).to.have.length(0);
    await subscriptions.stop();
  });
});
