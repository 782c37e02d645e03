// Lambda entry for AppSync (Direct Lambda Resolver): read config, open one connection and command
// table per container, then resolve each field with the core.
import type { AppSyncResolverEvent } from "./resolver.js";
import { CommandGateway } from "../command-gateway/gateway.js";
import { openRespConnection } from "../shared/redis/clients.js";
import { commandApiConfig } from "./config.js";
import { resolveCommandField } from "./resolver.js";

const config = commandApiConfig(process.env);
const gateway = new CommandGateway(await openRespConnection(config.redis), config.gateway);
await gateway.commandTable();

export const handler = (event: AppSyncResolverEvent) => resolveCommandField(gateway, event);
