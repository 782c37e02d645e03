// Lambda entry for AppSync (Direct Lambda Resolver): one Redis client and command table per container.
import { openRespConnection, redisSettingsFromEnvironment } from "../shared/redis/clients.js";
import { CommandGateway, gatewayConfigFromEnvironment } from "../command-gateway/gateway.js";
import { resolveCommandField, type AppSyncResolverEvent } from "./resolver.js";

const gateway = new CommandGateway(await openRespConnection(redisSettingsFromEnvironment(process.env)), gatewayConfigFromEnvironment(process.env));
await gateway.commandTable();

export const handler = (event: AppSyncResolverEvent) => resolveCommandField(gateway, event);
