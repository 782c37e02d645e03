// The gateway a function serves with: its engine users read from their secret, its own connection as
// the read scope's user.
import type { PathMetrics } from "../runtime/metrics.js";
import { secretString } from "../runtime/secrets.js";
import { openRespConnection, type RedisConnectionSettings } from "../redis/clients.js";
import { CommandGateway } from "./gateway.js";
import { parseEngineUsers } from "./scoped-connections.js";
import type { GatewaySettings } from "./settings.js";

/**
 * `usersSecretArn` (`REDIS_USERS_SECRET_ARN`): one engine user per scope, the deployment's RBAC users;
 * without it every scope runs on the one AUTH of `redis`.
 */
export async function openGateway(
  redis: RedisConnectionSettings,
  settings: GatewaySettings,
  usersSecretArn: string | undefined,
  metrics: PathMetrics,
): Promise<CommandGateway> {
  const engineUsers = usersSecretArn ? parseEngineUsers(await secretString(usersSecretArn)) : undefined;
  const connection = await openRespConnection(redis, engineUsers?.read);
  return new CommandGateway(connection, settings, { engineUsers, metrics });
}
