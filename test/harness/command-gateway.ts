// A CommandGateway on a real redis-server, with a counter of round trips (batches sent).
import { CommandGateway } from "../../domain/command-gateway/gateway.js";
import { defaultGatewaySettings, type GatewaySettings } from "../../domain/command-gateway/settings.js";
import { endpointFromUrl } from "../../domain/redis/connector.js";
import { RespConnection } from "../../domain/redis/resp-connection.js";

export const gatewaySettings = (overrides: Partial<GatewaySettings> = {}): GatewaySettings => ({ ...defaultGatewaySettings, ...overrides });

export async function gatewayOn(
  url: string,
  overrides: Partial<GatewaySettings> = {},
): Promise<{ gateway: CommandGateway; connection: RespConnection; roundTrips: () => number }> {
  const connection = new RespConnection({ ...endpointFromUrl(url), connectTimeoutMs: 500 });
  let roundTrips = 0;
  const send = connection.send.bind(connection);
  connection.send = (commands, options) => {
    roundTrips++;
    return send(commands, options);
  };
  const gateway = new CommandGateway(connection, gatewaySettings(overrides));
  await gateway.commandTable();
  await gateway.docs;
  return { gateway, connection, roundTrips: () => roundTrips };
}
