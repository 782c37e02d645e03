// The engine users of the local stack, as the deployment has them (RBAC users in AWS): the gateway's
// scopes, the listener, the feature loader and reader. Made with ACL SETUSER on every node (ACLs are
// not replicated, and any node may become the primary). The default user stays open locally, for the
// developer's own redis-cli; in AWS it is off.
import { randomBytes } from "node:crypto";
import type { EngineUsers } from "../../domain/command-gateway/scoped-connections.js";
import {
  aclSetUser,
  featureLoaderUser,
  featureReaderUser,
  gatewayScopes,
  gatewayUser,
  listenerUser,
  scopeId,
  type EngineUser,
} from "../../domain/redis/engine-users.js";
import { redisCommand } from "../launcher/services.js";

export interface LocalEngineUsers {
  /** Scope id -> the gateway's user for it. */
  gateway: EngineUsers;
  listener: { username: string; password: string };
  loader: { username: string; password: string };
  reader: { username: string; password: string };
}

/** Every user's password, made once (`kept` holds those made before) and returned with any new ones. */
export function passwordsFor(users: EngineUser[], kept: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(users.map((u) => [u.name, kept[u.name] ?? randomBytes(24).toString("base64url")]));
}

/** Every engine user for a gateway confined to `prefixes` (scripts as ALLOW_SCRIPTS says, keyspace channels as KEYSPACE_CHANNEL_SCOPES). */
export function localUsers(
  prefixes: string[],
  options: { scripts: boolean; keyspaceScopes?: string[] },
): { all: EngineUser[]; byScope: [string, EngineUser][] } {
  const byScope = gatewayScopes(prefixes).map((scope): [string, EngineUser] => [scopeId(scope), gatewayUser(scope, options)]);
  return { all: [...byScope.map(([, u]) => u), listenerUser, featureLoaderUser, featureReaderUser], byScope };
}

/** Creates (or resets) every user on every node, and returns their credentials by role. */
export async function applyEngineUsers(
  nodeUrls: string[],
  prefixes: string[],
  options: { scripts: boolean; keyspaceScopes?: string[] },
  passwords: Record<string, string>,
): Promise<LocalEngineUsers> {
  const { all, byScope } = localUsers(prefixes, options);
  for (const url of nodeUrls) for (const user of all) await redisCommand(url, ...aclSetUser(user, passwords[user.name]));
  const credential = (user: EngineUser) => ({ username: user.name, password: passwords[user.name] });
  return {
    gateway: Object.fromEntries(byScope.map(([id, user]) => [id, credential(user)])),
    listener: credential(listenerUser),
    loader: credential(featureLoaderUser),
    reader: credential(featureReaderUser),
  };
}

/** A Redis URL that logs in as `user`. */
export const urlAs = (url: string, user: { username: string; password: string }) => {
  const u = new URL(url);
  u.username = encodeURIComponent(user.username);
  u.password = encodeURIComponent(user.password);
  return u.href.replace(/\/$/, "");
};
