import { expect } from "chai";
import type { Redis } from "ioredis";
import { connectionsLike } from "../../../../../domain/change-feed/capture/connections.js";

describe("domain/change-feed/capture/connections: the listener's own connections", () => {
  it("a duplicate of the client (or of one node) that never gives up and never auto-pipelines, its errors kept off stderr", () => {
    const made: unknown[] = [];
    const duplicate = (options: unknown) => {
      made.push(options);
      return { on: (event: string) => (expect(event).to.equal("error"), { duplicated: true }) };
    };
    const client = { duplicate } as unknown as Redis;
    expect(connectionsLike(client)()).to.deep.equal({ duplicated: true });
    expect(connectionsLike(client)({ duplicate } as unknown as Redis)).to.deep.equal({ duplicated: true });
    expect(made).to.deep.equal([
      { maxRetriesPerRequest: null, enableAutoPipelining: false },
      { maxRetriesPerRequest: null, enableAutoPipelining: false },
    ]);
  });
});
