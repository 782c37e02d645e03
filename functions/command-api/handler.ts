// Lambda entry for AppSync (Direct Lambda Resolver): read config, open one connection and command
// table per container, then resolve each field with the core.
import type { AppSyncResolverEvent } from "./resolver.js";
import { openGateway } from "../command-gateway/config.js";
import { createLogger } from "../shared/log.js";
import { PathMetrics } from "../shared/metrics.js";
import { instrument } from "../shared/observability.js";
import { commandApiConfig } from "./config.js";
import { resolveCommandField } from "./resolver.js";

const config = commandApiConfig(process.env);
const observability = { logger: createLogger("command-api"), metrics: new PathMetrics("command-gateway") };
const gateway = await openGateway(config, observability.metrics);
await gateway.commandTable();

export const handler = instrument(observability, (event: AppSyncResolverEvent) => resolveCommandField(gateway, event));
