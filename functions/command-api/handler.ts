// Lambda entry for AppSync (Direct Lambda Resolver): one Redis client and command table per container.
import { connectRedis, redisSettingsFromEnvironment } from "../shared/redis-client.js";
import { CommandGateway, gatewayConfigFromEnvironment } from "../shared/commands/gateway.js";
import { resolveCommandField, type AppSyncResolverEvent } from "./resolver.js";

// Integers as strings: no precision lost past 2^53 (see replies.ts).
const gateway = new CommandGateway(
  await connectRedis(redisSettingsFromEnvironment(process.env), { stringNumbers: true }),
  gatewayConfigFromEnvironment(process.env),
);
await gateway.commandTable();

export const handler = (event: AppSyncResolverEvent) => resolveCommandField(gateway, event);
