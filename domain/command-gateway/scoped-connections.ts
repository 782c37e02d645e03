// Connections per credential scope, each logged in as that scope's engine user, so Redis itself
// confines what a caller's commands reach (engine-users.ts), and each held by one request at a time.
// Without engine users (a local server without ACLs, the tests) every scope logs in as the gateway does.
import type { EngineCredential, GatewayScope } from "../redis/engine-users.js";
import { scopeId } from "../redis/engine-users.js";
import { ConfigError } from "../runtime/errors.js";
import { RespConnection, type RespConnectionOptions } from "../redis/resp-connection.js";

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

/** Connections a scope may hold at once: requests past it wait for one (Redis's maxclients is shared with everything else). */
const maxConnectionsPerScope = 128;
/** Idle connections a scope keeps for the next requests; the rest close. */
const maxIdlePerScope = 8;

/**
 * One scope's connections, each lent to one request at a time, as a Lambda container serves one
 * request at a time: whatever the engine does to a connection (its output-buffer limit drops it, a
 * reply it cannot parse) reaches only the request that held it, never a neighbour's.
 */
class ConnectionLeases {
  private readonly idle: RespConnection[];
  private open: number;
  private closed = false;
  private readonly waiting: ((connection: RespConnection) => void)[] = [];

  constructor(
    private readonly opened: () => RespConnection,
    first?: RespConnection,
  ) {
    this.idle = first ? [first] : [];
    this.open = this.idle.length;
  }

  async use<T>(run: (connection: RespConnection) => Promise<T>): Promise<T> {
    const connection = await this.take();
    try {
      return await run(connection);
    } finally {
      this.give(connection);
    }
  }

  private take(): Promise<RespConnection> {
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.open < maxConnectionsPerScope) {
      this.open++;
      return Promise.resolve(this.opened());
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(connection: RespConnection): void {
    const next = this.waiting.shift();
    if (next) return next(connection);
    if (!this.closed && this.idle.length < maxIdlePerScope) {
      this.idle.push(connection);
      return;
    }
    this.open--;
    connection.close();
  }

  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.close();
  }
}

export class ScopedConnections {
  private readonly byScope = new Map<string, ConnectionLeases>();

  constructor(
    /** The gateway's own connection (its command table is read on it); the first of every scope's, when there are no users. */
    readonly shared: RespConnection,
    private readonly users?: EngineUsers,
  ) {}

  /** Runs `run` on a connection of `scope`'s held by this request alone. A scope without a user, where users exist, is a deployment error: nothing runs. */
  use<T>(scope: GatewayScope, run: (connection: RespConnection) => Promise<T>): Promise<T> {
    return this.leasesOf(scope).use(run);
  }

  /** How to log in as `scope`'s engine user (a subscriber opens its own connection so). */
  optionsOf(scope: GatewayScope): RespConnectionOptions {
    if (!this.users) return this.shared.options;
    const id = scopeId(scope);
    const user = this.users[id];
    if (!user) throw new ConfigError(`no engine user for the gateway scope "${id}" (the users secret and KEY_PREFIXES disagree)`);
    return { ...this.shared.options, username: user.username, password: user.password };
  }

  private leasesOf(scope: GatewayScope): ConnectionLeases {
    const id = this.users ? scopeId(scope) : "shared";
    let leases = this.byScope.get(id);
    if (!leases) {
      const options = this.optionsOf(scope);
      leases = new ConnectionLeases(() => new RespConnection(options), this.users ? undefined : this.shared);
      this.byScope.set(id, leases);
    }
    return leases;
  }

  close(): void {
    this.shared.close();
    for (const leases of this.byScope.values()) leases.close();
  }
}
