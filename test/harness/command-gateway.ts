// A CommandGateway on a real redis-server, with a counter of round trips (pipeline/multi execs).
import { Redis } from "ioredis";
import { CommandGateway, type GatewayConfig } from "../../functions/shared/commands/gateway.js";
import { defaultLimits } from "../../functions/shared/commands/batch.js";
import { connectRedis } from "../../functions/shared/redis-client.js";

export const gatewayConfig = (overrides: Partial<GatewayConfig> = {}): GatewayConfig => ({
  limits: defaultLimits,
  allowScripts: false,
  keyPrefixes: {},
  ...overrides,
});

export async function gatewayOn(url: string, overrides: Partial<GatewayConfig> = {}): Promise<{ gateway: CommandGateway; client: Redis; roundTrips: () => number }> {
  const client = await connectRedis({ url }, { stringNumbers: true, connectTimeout: 500, retryStrategy: () => 100 });
  let roundTrips = 0;
  for (const method of ["pipeline", "multi"] as const) {
    const original = client[method].bind(client) as (...a: unknown[]) => ReturnType<Redis["pipeline"]>;
    (client as unknown as Record<string, unknown>)[method] = (...a: unknown[]) => {
      roundTrips++;
      return original(...a);
    };
  }
  const gateway = new CommandGateway(client, gatewayConfig(overrides));
  await gateway.commandTable();
  return { gateway, client, roundTrips: () => roundTrips };
}
