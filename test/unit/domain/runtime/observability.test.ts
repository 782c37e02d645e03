import { expect } from "chai";
import { createLogger } from "../../../../domain/runtime/log.js";
import { PathMetrics, type EmfDocument } from "../../../../domain/runtime/metrics.js";
import { correlationIdOf, instrument } from "../../../../domain/runtime/observability.js";

describe("domain/runtime/observability: every invocation logged with its correlation id, its metrics flushed", () => {
  it("finds the id AWS gave the request: API Gateway, AppSync, S3 and SNS", () => {
    expect(correlationIdOf({ requestContext: { requestId: "apigw" } })).to.equal("apigw");
    expect(correlationIdOf({ request: { headers: { "x-amzn-requestid": "appsync" } } })).to.equal("appsync");
    expect(correlationIdOf({ Records: [{ responseElements: { "x-amz-request-id": "s3" } }] })).to.equal("s3");
    expect(correlationIdOf({ Records: [{ Sns: { MessageId: "sns" } }] })).to.equal("sns");
    expect(correlationIdOf({})).to.equal(undefined);
  });

  it("flushes the metrics when the handler returns and when it throws (and rethrows)", async () => {
    const documents: EmfDocument[] = [];
    const metrics = new PathMetrics("command-gateway", (d) => documents.push(d));
    const logger = createLogger("test");
    logger.setLogLevel("SILENT");
    const ok = instrument({ logger, metrics }, async (n: number) => {
      metrics.add("Requests", n);
      return n * 2;
    });
    expect(await ok(3)).to.equal(6);
    expect(documents).to.have.length(1);
    const failing = instrument({ logger, metrics }, async () => {
      metrics.add("Errors", 1);
      throw new Error("sink refused");
    });
    await failing(undefined).then(
      () => expect.fail("resolved"),
      (e: Error) => expect(e.message).to.equal("sink refused"),
    );
    expect(documents).to.have.length(2);
  });
});
