// The local stack's API key and REST tokens: made once and kept in the state folder, so bookmarks,
// `.env` files and the console survive a restart. The tenant ones are fixed, documented examples of
// key-prefix scoping (loopback only, like everything `make dev` serves).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { callerId } from "../../domain/command-gateway/gateway.js";
import type { EngineUser } from "../../domain/redis/engine-users.js";
import { passwordsFor } from "./engine-users.js";

export interface LocalCredentials {
  /** Engine user name -> password (local/dev/engine-users.ts), kept like the keys. */
  engineUserPasswords: Record<string, string>;
  apiKey: string;
  restToken: string;
  restReadOnlyToken: string;
  /** Confined to `tenantKeyPrefix` (KEY_PREFIXES), as a scoped API key or token is in AWS. */
  tenantApiKey: string;
  tenantRestToken: string;
  tenantKeyPrefix: string;
  /** The access key id the local Lambda endpoint requires (its callers sign with it; the secret is not checked). */
  lambdaAccessKeyId: string;
}

export const tenantExample = { tenantApiKey: "da2-tenant-a-example", tenantRestToken: "tenant-a-example-token", tenantKeyPrefix: "tenant-a:" };

type Kept = Pick<LocalCredentials, "apiKey" | "restToken" | "restReadOnlyToken" | "engineUserPasswords" | "lambdaAccessKeyId">;

/** The local Lambda endpoint's credential for its callers' SDK clients (the secret is not checked). */
export const lambdaCredentials = (credentials: Pick<LocalCredentials, "lambdaAccessKeyId">) => ({
  accessKeyId: credentials.lambdaAccessKeyId,
  secretAccessKey: "local",
});

/** The credentials a running stack keeps in `stateDir`, for its tools (`make failover`). */
export const readKeptCredentials = (stateDir: string) => JSON.parse(readFileSync(join(stateDir, "credentials.json"), "utf8")) as LocalCredentials;

/** The kept credentials, made on the first start; engine users' passwords are added as users appear. */
export function keptCredentials(stateDir: string, engineUsers: EngineUser[]): LocalCredentials {
  const file = join(stateDir, "credentials.json");
  const before: Partial<Kept> = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<Kept>) : {};
  const kept: Kept = {
    apiKey: before.apiKey ?? `da2-${randomBytes(13).toString("hex")}`,
    restToken: before.restToken ?? randomBytes(24).toString("base64url"),
    restReadOnlyToken: before.restReadOnlyToken ?? randomBytes(24).toString("base64url"),
    engineUserPasswords: passwordsFor(engineUsers, before.engineUserPasswords),
    lambdaAccessKeyId: before.lambdaAccessKeyId ?? `AKIALOCAL${randomBytes(8).toString("hex").toUpperCase()}`,
  };
  writeFileSync(file, JSON.stringify(kept, null, 2) + "\n", { mode: 0o600 });
  return { ...kept, ...tenantExample };
}

/** KEY_PREFIXES as the gateway reads it: the developer's own (if set) plus the tenant examples. */
export function localKeyPrefixes(own: string | undefined): Record<string, string> {
  const prefixes = own ? (JSON.parse(own) as Record<string, string>) : {};
  prefixes[callerId(tenantExample.tenantApiKey)] = tenantExample.tenantKeyPrefix;
  prefixes[callerId(tenantExample.tenantRestToken)] = tenantExample.tenantKeyPrefix;
  return prefixes;
}
