import { expect } from "chai";
import { CommandRefused, ScriptKilled } from "../../../../domain/command-gateway/errors.js";
import { recordCommandList, recordEdgeRefusal } from "../../../../domain/command-gateway/gateway-metrics.js";
import { RedisUnavailable } from "../../../../domain/redis/connector.js";
import { PathMetrics, type EmfDocument } from "../../../../domain/runtime/metrics.js";

const totals = (record: (m: PathMetrics) => void) => {
  const documents: EmfDocument[] = [];
  const metrics = new PathMetrics("command-gateway", (d) => documents.push(d));
  record(metrics);
  metrics.flush();
  const out: Record<string, unknown> = {};
  for (const d of documents) for (const [k, v] of Object.entries(d)) if (k !== "_aws" && typeof v === "number" && !(k in out)) out[k] = v;
  return out;
};

describe("domain/command-gateway/gateway-metrics: what each command list becomes in the metrics", () => {
  it("a request that ran: its latency and reply bytes, no refusal or error", () => {
    expect(totals((m) => recordCommandList(m, { elapsedMs: 3, replyBytes: 10 })))
      .to.include({ Requests: 1, ReplyBytes: 10 })
      .and.not.have.property("Errors");
  });

  it("a refusal is counted by reason and is not an error; a timeout and an outage are errors", () => {
    expect(totals((m) => recordCommandList(m, { elapsedMs: 1, replyBytes: 0, error: new CommandRefused("ERR", "cost") })))
      .to.include({ Refusals: 1 })
      .and.not.have.property("Errors");
    expect(totals((m) => recordCommandList(m, { elapsedMs: 1, replyBytes: 0, error: new RedisUnavailable("gone", { timedOut: true }) }))).to.include({
      Timeouts: 1,
      Errors: 1,
    });
    expect(totals((m) => recordCommandList(m, { elapsedMs: 1, replyBytes: 0, error: new ScriptKilled("slow") }))).to.include({ Timeouts: 1 });
    expect(totals((m) => recordEdgeRefusal(m, "unauthorized"))).to.include({ Requests: 1, Refusals: 1 });
  });
});
