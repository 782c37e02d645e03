// The local stack's API key and REST tokens: made once and kept in the state folder, so bookmarks,
// `.env` files and the console survive a restart. The tenant ones are fixed, documented examples of
// key-prefix scoping (loopback only, like everything `make dev` serves).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { callerId } from "../functions/command-gateway/gateway.js";

export interface LocalCredentials {
  apiKey: string;
  restToken: string;
  restReadOnlyToken: string;
  /** Confined to `tenantKeyPrefix` (KEY_PREFIXES), as a scoped API key or token is in AWS. */
  tenantApiKey: string;
  tenantRestToken: string;
  tenantKeyPrefix: string;
}

export const tenantExample = { tenantApiKey: "da2-tenant-a-example", tenantRestToken: "tenant-a-example-token", tenantKeyPrefix: "tenant-a:" };

/** The kept credentials, made on the first start. */
export function keptCredentials(stateDir: string): LocalCredentials {
  const file = join(stateDir, "credentials.json");
  if (!existsSync(file)) {
    const made = {
      apiKey: `da2-${randomBytes(13).toString("hex")}`,
      restToken: randomBytes(24).toString("base64url"),
      restReadOnlyToken: randomBytes(24).toString("base64url"),
    };
    writeFileSync(file, JSON.stringify(made, null, 2) + "\n", { mode: 0o600 });
  }
  return { ...(JSON.parse(readFileSync(file, "utf8")) as Pick<LocalCredentials, "apiKey" | "restToken" | "restReadOnlyToken">), ...tenantExample };
}

/** KEY_PREFIXES as the gateway reads it: the developer's own (if set) plus the tenant examples. */
export function localKeyPrefixes(credentials: LocalCredentials, own: string | undefined): string {
  const prefixes = own ? (JSON.parse(own) as Record<string, string>) : {};
  prefixes[callerId(credentials.tenantApiKey)] = credentials.tenantKeyPrefix;
  prefixes[callerId(credentials.tenantRestToken)] = credentials.tenantKeyPrefix;
  return JSON.stringify(prefixes);
}
