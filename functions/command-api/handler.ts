// Lambda entry for AppSync (Direct Lambda Resolver): read config, open one connection and command
// table per container, then resolve each field with the core.
import type { AppSyncResolverEvent } from "./resolver.js";
import { openGateway } from "../command-gateway/config.js";
import { commandApiConfig } from "./config.js";
import { resolveCommandField } from "./resolver.js";

const config = commandApiConfig(process.env);
const gateway = await openGateway(config);
await gateway.commandTable();

export const handler = (event: AppSyncResolverEvent) => resolveCommandField(gateway, event);
