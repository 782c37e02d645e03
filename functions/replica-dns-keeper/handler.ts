// Lambda entry: SNS (ElastiCache events), EventBridge schedule or manual invoke -> ReplicaDnsKeeper.
// The raw event is parsed here, at the edge; the keeper works on the parsed invocation.
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { Route53Client } from "@aws-sdk/client-route-53";
import { createLogger } from "../../domain/runtime/log.js";
import { PathMetrics } from "../../domain/runtime/metrics.js";
import { instrument } from "../../domain/runtime/observability.js";
import { ElastiCacheTopology, Route53Zone } from "../../domain/replica-dns/aws-adapters.js";
import { keeperConfig } from "./config.js";
import { parseInvocation } from "../../domain/replica-dns/events.js";
import { ReplicaDnsKeeper } from "../../domain/replica-dns/keeper.js";

const config = keeperConfig(process.env);
const observability = { logger: createLogger("replica-dns-keeper"), metrics: new PathMetrics("replica-dns") };
// Our own retry covers Route 53 throttling with jitter; the SDK's would multiply the attempts.
const keeper = new ReplicaDnsKeeper(
  new ElastiCacheTopology(new ElastiCacheClient({}), config.groupId),
  new Route53Zone(new Route53Client({ maxAttempts: 1 }), config.zoneId),
  config,
  observability.logger,
  observability.metrics,
);

export const handler = instrument(observability, async (event: unknown): Promise<{ trigger: string; events: number; changes: number; held?: string }> => {
  const result = await keeper.handle(parseInvocation(event, config.groupId));
  return { trigger: result.trigger, events: result.events, changes: result.changes.length, ...(result.held ? { held: result.held } : {}) };
});
