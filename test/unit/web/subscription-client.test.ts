import { expect } from "chai";
import { eventsIn, replyOfEvent } from "../../../web/subscription-client.js";

const text = (reply: ReturnType<typeof replyOfEvent>) =>
  (reply!.value as { type: string; value: unknown }[]).map((r) => (r.value instanceof Uint8Array ? new TextDecoder().decode(r.value) : r.value));

describe("web/subscription-client: the console's reading of a subscription stream", () => {
  it("events: complete ones only, data lines joined by line feeds, comments apart", () => {
    const { events, rest } = eventsIn("data: subscribe,chat,1\n\n: keep-alive\n\ndata: message,chat,a\ndata: b\n\ndata: mess");
    expect(events).to.deep.equal([
      { data: "subscribe,chat,1", comments: [] },
      { data: undefined, comments: ["keep-alive"] },
      { data: "message,chat,a\nb", comments: [] },
    ]);
    expect(rest).to.equal("data: mess");
  });

  it("each event as the push redis-cli prints: counts as integers, a payload's commas kept", () => {
    expect(text(replyOfEvent("subscribe,chat,1"))).to.deep.equal(["subscribe", "chat", 1]);
    expect(text(replyOfEvent("message,chat,a,b,c"))).to.deep.equal(["message", "chat", "a,b,c"]);
    expect(text(replyOfEvent("pmessage,c*,chat,x,y"))).to.deep.equal(["pmessage", "c*", "chat", "x,y"]);
    expect(replyOfEvent("garbage")).to.equal(undefined);
  });
});
