// Lambda entry for AppSync (Direct Lambda Resolver): read config, open one connection and command
// table per container, then resolve each field with the core.
import type { AppSyncResolverEvent } from "../../domain/command-gateway/appsync-resolver.js";
import { openGateway } from "../../domain/command-gateway/open.js";
import { createLogger } from "../../domain/runtime/log.js";
import { PathMetrics } from "../../domain/runtime/metrics.js";
import { instrument } from "../../domain/runtime/observability.js";
import { commandApiConfig } from "./config.js";
import { resolveCommandField } from "../../domain/command-gateway/appsync-resolver.js";

const config = commandApiConfig(process.env);
const observability = { logger: createLogger("command-api"), metrics: new PathMetrics("command-gateway") };
const gateway = await openGateway(config.redis, config.gateway, config.usersSecretArn, observability.metrics);
await gateway.commandTable();

export const handler = instrument(observability, (event: AppSyncResolverEvent) => resolveCommandField(gateway, event));
