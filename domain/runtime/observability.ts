// A Lambda handler with its logs and metrics: every log line carries the Lambda context and the
// event's correlation id, and the invocation's metrics are flushed when it ends, thrown or not.
import type { Context } from "aws-lambda";
import type { PowertoolsLogger } from "./log.js";
import type { PathMetrics } from "./metrics.js";

export interface Observability {
  logger: PowertoolsLogger;
  metrics: PathMetrics;
}

/** The id AWS gave the request that caused the event: API Gateway's, AppSync's, S3's or SNS's. */
export function correlationIdOf(event: unknown): string | undefined {
  const e = event as {
    requestContext?: { requestId?: string };
    request?: { headers?: Record<string, string> };
    Records?: { responseElements?: Record<string, string>; Sns?: { MessageId?: string } }[];
  };
  const record = e?.Records?.[0];
  return e?.requestContext?.requestId ?? e?.request?.headers?.["x-amzn-requestid"] ?? record?.responseElements?.["x-amz-request-id"] ?? record?.Sns?.MessageId;
}

export function instrument<E, R>(observability: Observability, handler: (event: E) => Promise<R>): (event: E, context?: Context) => Promise<R> {
  return (event, context) => observed(observability, event, context, () => handler(event));
}

/** The same for a streamed response (the runtime passes the response stream before the context). */
export function instrumentStream<E, S>(observability: Observability, handler: (event: E, stream: S) => Promise<void>) {
  return (event: E, stream: S, context?: Context): Promise<void> => observed(observability, event, context, () => handler(event, stream));
}

async function observed<E, R>({ logger, metrics }: Observability, event: E, context: Context | undefined, run: () => Promise<R>): Promise<R> {
  logger.resetKeys();
  if (context) logger.addContext(context);
  const correlationId = correlationIdOf(event);
  if (correlationId) logger.setCorrelationId(correlationId);
  try {
    return await run();
  } catch (error) {
    logger.error("invocation failed", error as Error);
    throw error;
  } finally {
    metrics.flush();
  }
}
