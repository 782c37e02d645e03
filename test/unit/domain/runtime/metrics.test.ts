import { expect } from "chai";
import { metricCatalog, metricNamespace, PathMetrics, quantile, type EmfDocument } from "../../../../domain/runtime/metrics.js";

describe("domain/runtime/metrics: one catalog, serialized as EMF", () => {
  it("counts add up, gauges keep the last value, distributions keep every value; one document per dimension set", () => {
    const documents: EmfDocument[] = [];
    const metrics = new PathMetrics("change-feed", (d) => documents.push(d));
    metrics.add("Items", 2, { Mapping: "people" });
    metrics.add("Items", 3, { Mapping: "people" });
    metrics.add("JournalLength", 7);
    metrics.add("JournalLength", 4);
    metrics.add("Deliveries", 1);
    metrics.flush();
    const fields = documents.map((d) => d as unknown as Record<string, unknown>);
    const people = fields.find((d) => d.Mapping === "people")!;
    expect(people.Items).to.equal(5);
    // Per mapping, and under the path alone: the total and the worst across mappings.
    expect(documents.find((d) => (d as unknown as Record<string, unknown>).Mapping)!._aws.CloudWatchMetrics[0].Dimensions).to.deep.equal([
      ["service", "Mapping"],
      ["service"],
    ]);
    const path = fields.find((d) => d.Mapping === undefined)!;
    expect(path).to.include({ JournalLength: 4, Deliveries: 1, service: "change-feed" });
    expect(documents.every((d) => d._aws.CloudWatchMetrics.every((c) => c.Namespace === metricNamespace))).to.equal(true);
    const unit = documents.flatMap((d) => d._aws.CloudWatchMetrics.flatMap((c) => c.Metrics)).find((m) => m.Name === "JournalLength")?.Unit;
    expect(unit).to.equal(metricCatalog.JournalLength.unit);
  });

  it("refuses a metric of another path, or with dimensions its catalog entry does not name", () => {
    const metrics = new PathMetrics("change-feed", () => {});
    expect(() => metrics.add("Requests", 1)).to.throw(/Requests \(command-gateway\)/);
    expect(() => metrics.add("Items", 1)).to.throw(/takes dimensions \[Mapping\], got \[\]/);
  });

  it("a flush starts afresh, and quantiles are nearest-rank", () => {
    const documents: EmfDocument[] = [];
    const metrics = new PathMetrics("replica-dns", (d) => documents.push(d));
    metrics.add("KeeperRuns", 1);
    metrics.flush();
    metrics.flush();
    expect(documents).to.have.length(1);
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(sorted, 0.5), quantile(sorted, 0.99), quantile([3], 0.99)]).to.deep.equal([50, 99, 3]);
  });
});
