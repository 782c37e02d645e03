import { expect } from "chai";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { metricCatalog, metricNamespace, type DataPath, type EmfDocument } from "../domain/runtime/metrics.js";
import { startRedis, type RedisNode } from "../local/launcher/services.js";
import { emfDocuments, expectEveryMetric } from "./harness/emf.js";

const run = promisify(execFile);

/** A scenario of test/harness/lambda-scenarios.ts in its own process: the EMF documents it printed. */
async function lambdaOutput(scenario: string, redis: RedisNode): Promise<EmfDocument[]> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "test/harness/lambda-scenarios.ts", scenario, redis.url, String(redis.process.pid)], {
    maxBuffer: 16 << 20,
  });
  return emfDocuments(stdout.split("\n"));
}

describe("every Lambda's metric output: the EMF lines its process prints, parsed, hold every metric of its path with its unit and dimensions", function () {
  this.timeout(90_000);
  let redis: RedisNode;
  const documents: Partial<Record<DataPath, EmfDocument[]>> = {};
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    redis.process.kill("SIGCONT");
    await redis.stop();
  });

  it("the REST gateway: requests, refusals by reason (not exposed, malformed, unauthorized), a lost write's timeout and error, latency, reply bytes", async () => {
    const docs = (documents["command-gateway"] = await lambdaOutput("redis-rest", redis));
    expectEveryMetric(docs, "command-gateway");
    const reasons = docs.flatMap((d) => ("Reason" in d ? [String((d as Record<string, unknown>).Reason)] : []));
    expect(reasons).to.include.members(["not-exposed", "request", "unauthorized"]);
  });

  it("the feature loader and reader: a load's duration, rate, bad records, success and progress; reads, misses, latency, the version's age", async () => {
    const docs = (documents["feature-store"] = await lambdaOutput("feature-store", redis));
    expectEveryMetric(docs, "feature-store");
    const bad = docs.map((d) => (d as Record<string, unknown>).LoadBadRecords).filter((v) => v !== undefined);
    expect(bad).to.deep.equal([1]);
  });

  it("the replica DNS keeper: runs, changes and held runs", async () => {
    const docs = (documents["replica-dns"] = await lambdaOutput("replica-dns", redis));
    expectEveryMetric(docs, "replica-dns");
    expect(docs.map((d) => (d as Record<string, unknown>).KeeperHeld)).to.deep.equal([0, 1]);
  });

  it("every document: the namespace, a recent timestamp, and only the catalog's metrics", () => {
    const all = Object.values(documents).flat();
    expect(all.length).to.be.greaterThan(5);
    for (const document of all) {
      expect(Math.abs(document._aws.Timestamp - Date.now())).to.be.lessThan(120_000);
      for (const directive of document._aws.CloudWatchMetrics) {
        expect(directive.Namespace).to.equal(metricNamespace);
        for (const metric of directive.Metrics) expect(metricCatalog).to.have.property(metric.Name);
      }
    }
  });
});
