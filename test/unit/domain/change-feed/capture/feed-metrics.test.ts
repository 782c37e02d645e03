import { expect } from "chai";
import { FeedMetrics } from "../../../../../domain/change-feed/capture/feed-metrics.js";
import { PathMetrics, type EmfDocument } from "../../../../../domain/runtime/metrics.js";

describe("domain/change-feed/capture/feed-metrics: what the listener reports each interval", () => {
  it("per mapping: items and lag quantiles; for the listener: journal depth, deafness and a heartbeat", () => {
    const documents: EmfDocument[] = [];
    const feed = new FeedMetrics(new PathMetrics("change-feed", (d) => documents.push(d)));
    feed.delivered("people", [10, 20, 30, 1_000]);
    feed.report({ deaf: false, journal: { length: 4, oldestUnconfirmedAgeMs: 2_500 }, refusedMappings: 2 });
    const people = documents.find((d) => (d as unknown as Record<string, unknown>).Mapping === "people") as unknown as Record<string, number>;
    expect([people.Items, people.LagP50, people.LagP99]).to.deep.equal([4, 20, 1_000]);
    const listener = documents.find((d) => !("Mapping" in d)) as unknown as Record<string, number>;
    expect([listener.JournalLength, listener.OldestUnconfirmedAge, listener.Deaf, listener.Heartbeat, listener.MappingsRefused]).to.deep.equal([
      4, 2.5, 0, 1, 2,
    ]);
  });

  it("when Redis did not answer the journal's depth is left out, not reported as zero", () => {
    const documents: EmfDocument[] = [];
    new FeedMetrics(new PathMetrics("change-feed", (d) => documents.push(d))).report({ deaf: true, refusedMappings: 0 });
    expect(documents[0]).to.not.have.property("JournalLength");
    expect((documents[0] as unknown as Record<string, number>).Deaf).to.equal(1);
  });
});
