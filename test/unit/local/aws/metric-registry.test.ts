import { expect } from "chai";
import { MetricRegistry } from "../../../../local/aws/metric-registry.js";

describe("local/aws/metric-registry: the documents as CloudWatch would hold them, and as Prometheus text", () => {
  it("keeps per-mapping and total series, and prints counters, gauges and summaries", () => {
    const registry = new MetricRegistry();
    const feed = registry.metricsFor("change-feed");
    feed.add("Items", 4, { Mapping: "people" });
    feed.add("JournalLength", 9);
    feed.add("LagP99", 120, { Mapping: "people" });
    registry.stop();
    feed.add("Items", 6, { Mapping: "people" });
    feed.add("JournalLength", 2);
    feed.flush();
    expect(registry.latest("Items", { Mapping: "people" })).to.equal(6);
    expect(registry.all().find((s) => s.name === "Items" && s.total)?.sum).to.equal(10);
    const text = registry.prometheus();
    expect(text).to.include('ecp_items_total{service="change-feed",mapping="people"} 10');
    expect(text).to.include('ecp_journal_length{service="change-feed"} 2');
    expect(text).to.include("# TYPE ecp_items_total counter");
    // The per-mapping series only: a scraper sums them, and the total would count twice.
    expect(text.match(/^ecp_items_total\{/gm)).to.have.length(1);
  });
});
