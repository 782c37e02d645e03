// What the gateway reports for each command list it is given: a request, its latency and reply
// bytes, and what became of it when it did not run (a refusal by reason, a timeout, an error).
import { OutcomeUnknown, RedisUnavailable } from "../redis/resp-connection.js";
import { ServiceError } from "../runtime/errors.js";
import type { PathMetrics } from "../runtime/metrics.js";
import { BadRequest, CommandRefused, ScriptKilled, type RefusalReason } from "./errors.js";
import { RateLimited } from "./rate-limits.js";

/** Whether Redis's silence ended the request: its own timeout, a write's lost reply, or a script killed past the limit. */
function timedOut(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ((e instanceof RedisUnavailable && e.timedOut) || e instanceof OutcomeUnknown || e instanceof ScriptKilled) return true;
  }
  return false;
}

/** A request an edge refused before it reached the gateway (REST's token and body checks). */
export function recordEdgeRefusal(metrics: PathMetrics, reason: RefusalReason): void {
  metrics.add("Requests", 1);
  metrics.add("Refusals", 1, { Reason: reason });
}

export function recordCommandList(metrics: PathMetrics, outcome: { elapsedMs: number; replyBytes: number; error?: unknown }): void {
  metrics.add("Requests", 1);
  metrics.add("Latency", outcome.elapsedMs);
  metrics.add("ReplyBytes", outcome.replyBytes);
  const { error } = outcome;
  if (error === undefined) return;
  if (error instanceof CommandRefused) metrics.add("Refusals", 1, { Reason: error.reason });
  else if (error instanceof BadRequest) metrics.add("Refusals", 1, { Reason: "request" });
  else if (error instanceof RateLimited) metrics.add("Refusals", 1, { Reason: "rate" });
  if (timedOut(error)) metrics.add("Timeouts", 1);
  if (!(error instanceof ServiceError) || error.status >= 500) metrics.add("Errors", 1);
}
