// A CommandGateway on a real redis-server, with a counter of round trips (batches sent).
import { CommandGateway, type GatewayConfig } from "../../functions/command-gateway/gateway.js";
import { defaultGatewaySettings } from "../../functions/shared/gateway-settings.js";
import { defaultLimits } from "../../functions/command-gateway/batch.js";
import { endpointFromUrl } from "../../functions/shared/redis/connector.js";
import { RespConnection } from "../../functions/shared/redis/resp-connection.js";

export const gatewayConfig = (overrides: Partial<GatewayConfig> = {}): GatewayConfig => ({
  limits: defaultLimits,
  allowScripts: false,
  scriptTimeoutMs: defaultGatewaySettings.scriptTimeoutMs,
  maxFieldsPerRequest: defaultGatewaySettings.maxFieldsPerRequest,
  keyPrefixes: {},
  ...overrides,
});

export async function gatewayOn(
  url: string,
  overrides: Partial<GatewayConfig> = {},
): Promise<{ gateway: CommandGateway; connection: RespConnection; roundTrips: () => number }> {
  const connection = new RespConnection({ ...endpointFromUrl(url), connectTimeoutMs: 500 });
  let roundTrips = 0;
  const send = connection.send.bind(connection);
  connection.send = (commands, options) => {
    roundTrips++;
    return send(commands, options);
  };
  const gateway = new CommandGateway(connection, gatewayConfig(overrides));
  await gateway.commandTable();
  await gateway.docs;
  return { gateway, connection, roundTrips: () => roundTrips };
}
