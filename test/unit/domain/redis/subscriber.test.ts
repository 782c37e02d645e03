import { expect } from "chai";
import { PassThrough } from "node:stream";
import { RedisSubscriber, type SubscriberEvents } from "../../../../domain/redis/subscriber.js";

const bulk = (s: string | Buffer) => `$${Buffer.byteLength(s, "latin1")}\r\n${Buffer.isBuffer(s) ? s.toString("latin1") : s}\r\n`;
const push = (...fields: (string | number)[]) => `*${fields.length}\r\n${fields.map((f) => (typeof f === "number" ? `:${f}\r\n` : bulk(f))).join("")}`;

/** A subscriber on a stream standing for its socket: what Redis would send is written to it. */
function subscriberOn(maxMessageBytes = 1024) {
  const socket = new PassThrough();
  const heard: string[] = [];
  const events: SubscriberEvents = {
    message: (channel, payload, pattern) => heard.push(`message ${pattern ? `${pattern.toString()} ` : ""}${channel.toString()} ${payload.toString("latin1")}`),
    subscribed: (kind, name, count) => heard.push(`${kind} ${name.toString()} ${count}`),
    tooLarge: (bytes) => heard.push(`too large ${bytes}`),
    ended: (reason) => heard.push(`ended ${reason}`),
  };
  const subscriber = new RedisSubscriber(socket, events, maxMessageBytes);
  const send = (text: string) => new Promise<void>((resolve) => socket.write(Buffer.from(text, "latin1"), () => setImmediate(resolve)));
  return { subscriber, socket, heard, send };
}

describe("domain/redis/subscriber: the pushes a subscribed connection reads", () => {
  it("confirmations, messages and pattern messages, payload bytes kept exactly, a push split across chunks", async () => {
    const { heard, send } = subscriberOn();
    const full = push("message", "chat", "a\r\nb\u00ff");
    await send(push("subscribe", "chat", 1) + full.slice(0, 9));
    await send(full.slice(9) + push("pmessage", "chat:*", "chat:1", "hi"));
    expect(heard).to.deep.equal(["subscribe chat 1", "message chat a\r\nb\u00ff", "message chat:* chat:1 hi"]);
  });

  it("a message over the limit is skipped as it streams (its size reported), and the next one still arrives", async () => {
    const { heard, send } = subscriberOn(64);
    await send(push("message", "big", "x".repeat(500)) + push("message", "small", "ok"));
    expect(heard[0]).to.match(/^too large \d+$/);
    expect(heard[1]).to.equal("message small ok");
  });

  it("a refusal (NOPERM) ends the connection with Redis's reason; close() ends it quietly", async () => {
    const refused = subscriberOn();
    await refused.send("-NOPERM No permissions to access a channel\r\n");
    expect(refused.heard).to.deep.equal(["ended Redis refused the subscription: NOPERM No permissions to access a channel"]);
    const closed = subscriberOn();
    closed.subscriber.close();
    expect(closed.socket.destroyed).to.equal(true);
    expect(closed.heard).to.deep.equal([]);
  });

  it("bytes that are not RESP end it with the reason", async () => {
    const { heard, send } = subscriberOn();
    await send(`$${"9".repeat(70_000)}`);
    expect(heard).to.have.length(1);
    expect(heard[0]).to.match(/^ended unreadable reply from Redis/);
  });
});
