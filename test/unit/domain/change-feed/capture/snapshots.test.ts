import { expect } from "chai";
import { Snapshots } from "../../../../../domain/change-feed/capture/snapshots.js";
import { scriptedSnapshots as scripted } from "./fake-node.js";

describe("domain/change-feed/capture/snapshots: every hinted key read in one script call, with the server's time", () => {
  it("each key's state in order: a hash's fields and a list's elements as bytes, a key that is gone, a type never read", async () => {
    const { client, calls } = scripted({ "person:1": { name: "Ada" }, "person:3": "stream", "person:4": ["a", "b"] });
    const snapshots = await new Snapshots(client).take(["person:1", "person:2", "person:3", "person:4"]);
    const bytes = (...values: string[]) => values.map((v) => Buffer.from(v));
    expect(snapshots).to.deep.equal([
      { key: "person:1", version: 1700000000000005, type: "hash", value: bytes("name", "Ada") },
      { key: "person:2", version: 1700000000000005, type: "none" },
      { key: "person:3", version: 1700000000000005, type: "stream" },
      { key: "person:4", version: 1700000000000005, type: "list", value: bytes("a", "b") },
    ]);
    expect(calls).to.have.length(1);
  });

  it("calls of at most 500 keys; a call the node refuses as a whole is read key by key", async () => {
    const keys = Array.from({ length: 1_200 }, (_, i) => `person:${i}`);
    const { client, calls } = scripted({}, {});
    await new Snapshots(client).take(keys);
    expect(calls.map((c) => c.length)).to.deep.equal([500, 500, 200]);
    const moved = scripted({ "person:1": { a: "1" } }, { failCallsOver: 1 });
    const snapshots = await new Snapshots(moved.client).take(["person:1", "person:2"]);
    expect(snapshots.map((s) => s.type)).to.deep.equal(["hash", "none"]);
    expect(moved.calls.map((c) => c.length)).to.deep.equal([2, 1, 1]);
  });
});
