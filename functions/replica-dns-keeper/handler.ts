// Lambda entry: SNS (ElastiCache events), EventBridge schedule or manual invoke -> ReplicaDnsKeeper.
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { Route53Client } from "@aws-sdk/client-route-53";
import { createLogger } from "../shared/log.js";
import { ElastiCacheTopology, Route53Zone } from "./aws-adapters.js";
import { keeperConfigFromEnvironment } from "./config.js";
import { ReplicaDnsKeeper, type KeeperResult } from "./keeper.js";

const config = keeperConfigFromEnvironment(process.env);
// Our own retry covers Route 53 throttling with jitter; the SDK's would multiply the attempts.
const keeper = new ReplicaDnsKeeper(
  new ElastiCacheTopology(new ElastiCacheClient({}), config.groupId),
  new Route53Zone(new Route53Client({ maxAttempts: 1 }), config.zoneId),
  config,
  createLogger("replica-dns-keeper"),
);

export const handler = async (event: unknown): Promise<{ trigger: string; events: number; changes: number }> => {
  const result: KeeperResult = await keeper.handle(event);
  return { trigger: result.trigger, events: result.events, changes: result.changes.length };
};
