import { expect } from "chai";
import type { Redis } from "ioredis";
import { Snapshots } from "../../../../../domain/change-feed/capture/snapshots.js";
import { snapshotReply, type Keyspace } from "./fake-node.js";

/** A client whose snapshot script answers from an in-memory keyspace at a fixed server time, counting calls. */
function scripted(keyspace: Keyspace, options: { failCallsOver?: number } = {}) {
  const calls: string[][] = [];
  const client = {
    defineCommand: () => {},
    changefeedSnapshotBuffer: async (...keys: string[]) => {
      calls.push(keys);
      if (options.failCallsOver !== undefined && keys.length > options.failCallsOver) throw new Error("MOVED 1234 10.0.0.2:6379");
      return snapshotReply(keyspace, keys);
    },
  };
  return { client: client as unknown as Redis, calls };
}

describe("domain/change-feed/capture/snapshots: every hinted key read in one script call, with the server's time", () => {
  it("each key's state in order: a hash with its fields, a key that is gone, another type", async () => {
    const { client, calls } = scripted({ "person:1": { name: "Ada" }, "person:3": "string" });
    const snapshots = await new Snapshots(client).take(["person:1", "person:2", "person:3"]);
    expect(snapshots).to.deep.equal([
      { key: "person:1", version: 1700000000000005, type: "hash", fields: { name: "Ada" } },
      { key: "person:2", version: 1700000000000005, type: "none", fields: undefined },
      { key: "person:3", version: 1700000000000005, type: "string", fields: undefined },
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
