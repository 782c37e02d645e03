import { expect } from "chai";
import { streamType } from "../../../../../domain/change-feed/types/stream.js";
import { changeOf, parseMapping, refusedType } from "../../../../../domain/change-feed/mappings.js";

describe("domain/change-feed/types/stream: refused, with the reason", () => {
  it("a stream under a mapped pattern is a tombstone and a note, never read", () => {
    const mapping = parseMapping({ name: "m", pattern: "p:{id}", table: "ttt" });
    const snapshot = { key: "p:1", version: 5, type: "stream" };
    expect(streamType.read).to.equal(undefined);
    expect(refusedType(mapping, snapshot)).to.match(/^key p:1 is a stream: a stream is a log of events, not a value/);
    expect(changeOf(mapping, snapshot)).to.deep.equal({ key: "p:1", partitionKey: { name: "id", value: "1" }, version: 5 });
  });
});
