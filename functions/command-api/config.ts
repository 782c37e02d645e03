// The command API resolver's settings: where Redis is, and the gateway's limits and scoping.
import { gatewayFunctionConfig, type GatewayFunctionConfig } from "../command-gateway/config.js";
import { readEnvironment, type Environment } from "../shared/env.js";

export type CommandApiConfig = GatewayFunctionConfig;

export const commandApiConfig = (environment: Environment): CommandApiConfig => gatewayFunctionConfig(readEnvironment(environment));
