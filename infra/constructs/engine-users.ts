// The engine users (ElastiCache RBAC) in place of an AUTH token: one per client, each with the access
// string domain/redis/engine-users.ts gives it, in one user group that every replication
// group uses; the default user is off. Each client reads its own credentials from a secret of its own.
import { Construct } from "constructs";
import { ElasticacheUser } from "@cdktf/provider-aws/lib/elasticache-user";
import { ElasticacheUserGroup } from "@cdktf/provider-aws/lib/elasticache-user-group";
import { Password } from "@cdktf/provider-random/lib/password";
import { Fn } from "cdktf";
import type { CacheEngine } from "../config.js";
import { scopeId, type EngineUser, type GatewayScope } from "../../domain/redis/engine-users.js";
import { gatewayUser } from "../../domain/redis/engine-users.js";
import type { Encryption } from "./encryption.js";
import { Secret } from "./secret.js";

/** The clients with engine users; `gateway` is a set of users, one per scope, in one secret. */
export type EngineRole = "listener" | "loader" | "reader" | "gateway";

export interface EngineUsersProps {
  name: string;
  engine: CacheEngine;
  encryption: Encryption;
  secretRecoveryWindowDays: number;
  /** The users of the roles the deployment has. */
  users: Partial<Record<Exclude<EngineRole, "gateway">, EngineUser>>;
  /** The gateway's scopes, when the command API is on; `scripts`: ALLOW_SCRIPTS; `keyspaceScopes`: KEYSPACE_CHANNEL_SCOPES. */
  gateway?: { scopes: GatewayScope[]; scripts: boolean; keyspaceScopes: string[] };
}

/** A client's secret, and its value: a booting client reads it, so it waits for the value. */
export type RoleSecret = Pick<Secret, "secret" | "value">;

export class EngineUsers extends Construct {
  readonly group: ElasticacheUserGroup;
  readonly secrets: Partial<Record<EngineRole, RoleSecret>> = {};

  constructor(scope: Construct, id: string, props: EngineUsersProps) {
    super(scope, id);
    const { name, engine } = props;
    // Every user group must hold a user named `default`: this one is off and can do nothing. Valkey
    // refuses a password-less user even when it is off (InvalidParameterCombination), so it gets a
    // random password that no secret holds: nobody can log in as it.
    const unheld = new Password(this, "default-password", { length: 48, special: false });
    const defaultUser = new ElasticacheUser(this, "default", {
      userId: `${name}-default`,
      userName: "default",
      engine,
      accessString: "off -@all",
      passwords: [unheld.result],
    });
    const make = (user: EngineUser) => {
      // The password is in Terraform state (marked sensitive): keep state encrypted (Terraform Cloud does).
      const password = new Password(this, `${user.name}-password`, { length: 48, special: false });
      const made = new ElasticacheUser(this, user.name, {
        userId: `${name}-${user.name}`,
        userName: user.name,
        engine,
        accessString: `on ${user.access}`,
        passwords: [password.result],
      });
      return { made, credential: { username: user.name, password: password.result } };
    };
    const members: ElasticacheUser[] = [defaultUser];
    for (const [role, user] of Object.entries(props.users) as [Exclude<EngineRole, "gateway">, EngineUser][]) {
      const { made, credential } = make(user);
      members.push(made);
      this.secrets[role] = this.secret(props, role, Fn.jsonencode(credential));
    }
    if (props.gateway) {
      const users: Record<string, unknown> = {};
      for (const scope of props.gateway.scopes) {
        const { made, credential } = make(gatewayUser(scope, props.gateway));
        members.push(made);
        users[scopeId(scope)] = credential;
      }
      this.secrets.gateway = this.secret(props, "gateway", Fn.jsonencode({ users }));
    }
    this.group = new ElasticacheUserGroup(this, "group", { userGroupId: `${name}-users`, engine, userIds: members.map((u) => u.userId) });
  }

  private secret(props: EngineUsersProps, role: EngineRole, value: string): RoleSecret {
    return new Secret(this, `${role}-secret`, {
      namePrefix: `${props.name}/redis-user-${role}`,
      description: role === "gateway" ? "The command gateway's engine users, one per scope" : `The ${role}'s engine user`,
      encryption: props.encryption,
      recoveryWindowDays: props.secretRecoveryWindowDays,
      value,
    });
  }
}
