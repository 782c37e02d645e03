// One connection per credential scope, each logged in as that scope's engine user, so Redis itself
// confines what a caller's commands reach (engine-users.ts). Without engine users (a local server
// without ACLs, the tests) every scope shares the one connection the gateway was given.
import type { EngineCredential, GatewayScope } from "../redis/engine-users.js";
import { scopeId } from "../redis/engine-users.js";
import { ConfigError } from "../runtime/errors.js";
import { RespConnection } from "../redis/resp-connection.js";

/** The gateway's engine users by scope id (`write`, `read`, `write:tenant-a:`), as its users secret holds them. */
export type EngineUsers = Record<string, EngineCredential>;

/** The users secret: `{"users": {"<scope id>": {"username", "password"}}}`. */
export function parseEngineUsers(text: string): EngineUsers {
  const parsed = JSON.parse(text) as { users?: Record<string, Partial<EngineCredential>> };
  const users = parsed?.users;
  if (!users || typeof users !== "object") throw new ConfigError('the gateway\'s users secret must be {"users": {"<scope>": {"username", "password"}}}');
  for (const [scope, user] of Object.entries(users)) {
    if (typeof user?.username !== "string" || typeof user?.password !== "string")
      throw new ConfigError(`the gateway's users secret: scope "${scope}" needs a username and a password`);
  }
  return users as EngineUsers;
}

export class ScopedConnections {
  private readonly byScope = new Map<string, RespConnection>();

  constructor(
    /** The gateway's own connection (its command table is read on it); every scope's, when there are no users. */
    readonly shared: RespConnection,
    private readonly users?: EngineUsers,
  ) {}

  /** The connection for `scope`'s commands. A scope without a user, where users exist, is a deployment error: nothing runs. */
  for(scope: GatewayScope): RespConnection {
    if (!this.users) return this.shared;
    const id = scopeId(scope);
    let connection = this.byScope.get(id);
    if (!connection) {
      const user = this.users[id];
      if (!user) throw new ConfigError(`no engine user for the gateway scope "${id}" (the users secret and KEY_PREFIXES disagree)`);
      connection = new RespConnection({ ...this.shared.options, username: user.username, password: user.password });
      this.byScope.set(id, connection);
    }
    return connection;
  }

  close(): void {
    this.shared.close();
    for (const connection of this.byScope.values()) connection.close();
  }
}
