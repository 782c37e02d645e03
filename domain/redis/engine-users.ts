// The engine's own wall: every client runs as an engine user whose access string is its scope, so
// Redis checks keys, channels and commands again whatever a client sends. The gateway has one user
// per credential scope (read or write, with or without a key prefix); the listener, the feature
// loader and the feature reader one each. ElastiCache RBAC users in AWS, ACL SETUSER locally: the same
// access strings from here.
import { createHash } from "node:crypto";
import { escapeGlob } from "./glob.js";

/** How a gateway caller may reach Redis: reads only or reads and writes, within a key prefix or not. */
export interface GatewayScope {
  access: "read" | "write";
  prefix?: string;
}

/** An engine user: its name and its access string (without `on` and the password; a new user has no keys, channels or commands to reset). */
export interface EngineUser {
  name: string;
  access: string;
}

/** The scope's id in configuration and secrets: `write`, `read`, `write:tenant-a:`. */
export const scopeId = (scope: GatewayScope) => (scope.prefix === undefined ? scope.access : `${scope.access}:${scope.prefix}`);

/** A user name from a prefix (user names take letters, digits and `-`; a prefix may hold anything). */
const prefixTag = (prefix: string) => createHash("sha256").update(prefix).digest("hex").slice(0, 10);

/** A glob that matches `literal` exactly at the start (ACL patterns are globs: escape what is special). */
const literalPrefix = (literal: string) => `${escapeGlob(literal)}*`;

/**
 * Granted by category, then denied by category (a later rule wins, so the denials come after: +@write
 * alone would grant FUNCTION FLUSH, which is @write and @scripting), then the few commands each user
 * needs by name. Denied for every user: administration, anything @dangerous, blocking, pub/sub,
 * the connection's state, scripts, and MOVE (another logical database).
 */
const denied = "-@dangerous -@admin -@scripting -@blocking -@pubsub -@connection -move";
const commandsOf = (grants: string, extras: string) => `-@all ${grants} ${denied} ${extras}`;

/** Every gateway user: PING, ECHO and TIME, the pre-flight sizes, the transaction option, non-blocking stream reads, the subscription streams' own connections. */
const gatewayExtras =
  "+ping +echo +time +memory|usage +multi +exec +discard +xread +pubsub|channels +pubsub|shardchannels +pubsub|numsub +pubsub|shardnumsub +subscribe +psubscribe +unsubscribe +punsubscribe";
/** Whole-keyspace commands only an unscoped caller may run (KEYS, SORT and INFO are @dangerous), and COMMAND for the gateway's table. */
const unscopedExtras = "+keys +sort +sort_ro +info +dbsize +randomkey +pubsub|numpat +command";
/** For a prefix, the commands whose keys the engine misreads are left out (their twins GEOSEARCHSTORE and SORT_RO stay). */
const scopedExtras = "+sort_ro -georadius -georadiusbymember -randomkey -dbsize";
const scripts = (access: "read" | "write") =>
  access === "write"
    ? "+eval +evalsha +eval_ro +evalsha_ro +fcall +fcall_ro +script|load +script|exists +script|kill +function|kill"
    : "+evalsha_ro +fcall_ro +script|exists +script|kill +function|kill";

/**
 * Every channel but the engine's keyspace notifications (`__keyspace@…`, `__keyevent@…`), which the
 * change feed trusts: ACL channel rules only allow, so the complement is spelled out as globs, one
 * for each place a channel can first differ from those two prefixes (and the prefixes' own prefixes).
 */
function channelsButKeyspace(): string[] {
  const patterns: string[] = [];
  const seen = new Set<string>();
  for (const reserved of ["__keyspace@", "__keyevent@"]) {
    for (let i = 0; i < reserved.length; i++) {
      const head = reserved.slice(0, i);
      const nexts = ["__keyspace@", "__keyevent@"].filter((r) => r.startsWith(head) && r.length > i).map((r) => r[i]);
      if (seen.has(head)) continue;
      seen.add(head);
      patterns.push(`${head}[^${[...new Set(nexts)].join("")}]*`);
      if (head) patterns.push(head);
    }
  }
  return patterns;
}

/** Whether KEYSPACE_CHANNEL_SCOPES (`keyspaceScopes`) lets `scope` hear keyspace notifications. */
export const hearsKeyspace = (scope: GatewayScope, keyspaceScopes: readonly string[]) => keyspaceScopes.includes(scopeId(scope));

/**
 * The channel globs a scope's engine user may reach: a tenant's own prefix (and, with `keyspace`, the
 * keyspace notifications of its own keys), or every channel but the keyspace notifications (with
 * `keyspace`, those too); `keyspace` when KEYSPACE_CHANNEL_SCOPES names the scope. The gateway also subscribes its pattern streams to exactly these: the engine
 * matches a PSUBSCRIBE pattern against them literally, not as a glob.
 */
export function gatewayChannels(scope: GatewayScope, keyspaceScopes: readonly string[]): string[] {
  const keyspace = hearsKeyspace(scope, keyspaceScopes);
  if (scope.prefix !== undefined) return [literalPrefix(scope.prefix), ...(keyspace ? [`__keyspace@*__:${literalPrefix(scope.prefix)}`] : [])];
  return [...channelsButKeyspace(), ...(keyspace ? ["__keyspace@*", "__keyevent@*"] : [])];
}

/**
 * The gateway's engine user for a scope. `scripts`: ALLOW_SCRIPTS (never for a prefix); `keyspaceScopes`:
 * KEYSPACE_CHANNEL_SCOPES. The gateway reads the command table as its read user.
 */
export function gatewayUser(scope: GatewayScope, options: { scripts: boolean; keyspaceScopes?: readonly string[] }): EngineUser {
  const confined = scope.prefix !== undefined;
  const keys = `${scope.access === "read" ? "%R~" : "~"}${confined ? literalPrefix(scope.prefix!) : "*"}`;
  const channels = gatewayChannels(scope, options.keyspaceScopes ?? [])
    .map((p) => `&${p}`)
    .join(" ");
  const extras = [
    gatewayExtras,
    // What the gateway refuses and ACL can name: reads whose work or reply the gateway cannot bound, and DUMP's payloads.
    "-lcs -lolwut -dump",
    ...(scope.access === "write" ? ["+publish +spublish +xreadgroup"] : []),
    confined ? scopedExtras : unscopedExtras,
    ...(options.scripts && !confined ? [scripts(scope.access)] : []),
  ].join(" ");
  const commands = commandsOf(scope.access === "write" ? "+@read +@write" : "+@read", extras);
  const name = `gw-${scope.access}${confined ? `-${prefixTag(scope.prefix!)}` : ""}`;
  return { name, access: `${keys} ${channels} ${commands}` };
}

/** Every scope the gateway needs users for: read and write, unconfined and per configured prefix. */
export function gatewayScopes(prefixes: Iterable<string>): GatewayScope[] {
  const distinct = [...new Set(prefixes)].sort();
  return (["read", "write"] as const).flatMap((access) => [{ access }, ...distinct.map((prefix) => ({ access, prefix }))]);
}

/** Cluster topology, as ioredis's cluster client reads it; INFO, its ready check. */
const clientBasics = "+info +ping +cluster|slots +cluster|nodes +cluster|shards";

/**
 * The change-feed listener: every key (mappings name any pattern at run time), the keyspace-event
 * channel it subscribes to, its journal and snapshot script, and the operator's script kill.
 */
export const listenerUser: EngineUser = {
  name: "listener",
  access: `~* &__keyevent@*__:* ${commandsOf("+@read +@write", `${clientBasics} +psubscribe +punsubscribe +xreadgroup +time +eval +evalsha +script|kill +function|kill`)}`,
};

/** The feature loader: writes versions under `recs:` only, waits for replicas. */
export const featureLoaderUser: EngineUser = {
  name: "loader",
  access: `~recs:* ${commandsOf("+@read +@write", `${clientBasics} +wait`)}`,
};

/** The feature reader: reads `recs:` only. */
export const featureReaderUser: EngineUser = {
  name: "reader",
  access: `%R~recs:* ${commandsOf("+@read", clientBasics)}`,
};

/** The ACL SETUSER arguments for `user` with `password` (locally, `reset` first; ElastiCache takes `on` + the access string and the password apart). */
export const aclSetUser = (user: EngineUser, password: string): string[] => [
  "ACL",
  "SETUSER",
  user.name,
  "reset",
  "on",
  `>${password}`,
  ...user.access.split(" "),
];

/** A credential for one engine user, as the secrets hold it. */
export interface EngineCredential {
  username: string;
  password: string;
}
