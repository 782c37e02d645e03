// One classifier for every HTTP door to Redis (GraphQL and REST): Redis's own command flags decide
// what a caller may run, and a deny list no caller can lift keeps admin, blocking and pub/sub out.
import type { CommandSpec, CommandTable } from "./command-table.js";
import { CommandRefused } from "./errors.js";
import { checkArgumentBounds, type BoundLimits } from "./argument-bounds.js";

/** `read`: read-only commands only (GraphQL query, read-only REST token). `write`: reads and writes. */
export type Access = "read" | "write";

export interface CommandPolicy {
  access: Access;
  /** EVAL, EVALSHA, FCALL and SCRIPT LOAD/EXISTS; off unless the deployment enables them. */
  allowScripts: boolean;
  /** Every key a command touches must start with this prefix (per API key or identity). */
  keyPrefix?: string;
  /** Bounds on count and offset arguments (the gateway's limits); none when absent. */
  bounds?: BoundLimits;
}

export interface ClassifiedCommand {
  /** Lower case; `config|get` for a container command's subcommand. */
  name: string;
  args: string[];
  spec: CommandSpec;
  /** Keys by the table's key positions; undefined when only the server can tell (movable keys). */
  keys?: string[];
  /** KEYS is allowed only on a small keyspace, checked with DBSIZE before anything runs. */
  needsSmallKeyspace: boolean;
}

// Never through an HTTP API, whatever the flags or the caller: server administration, commands that
// change the state of a pooled connection, and transactions (the API offers its own option).
const denied = new Map<string, string>([
  ...[
    "flushall",
    "flushdb",
    "config",
    "debug",
    "shutdown",
    "monitor",
    "save",
    "bgsave",
    "bgrewriteaof",
    "replicaof",
    "slaveof",
    "sync",
    "psync",
    "migrate",
    "failover",
    "acl",
    "module",
    "cluster",
    "latency",
    "memory",
    "slowlog",
    "lastsave",
    "swapdb",
    "restore-asking",
    "pfdebug",
    "pfselftest",
  ].map((c) => [c, "administrative"] as [string, string]),
  ...["select", "auth", "hello", "reset", "quit", "client", "readonly", "readwrite", "asking"].map(
    (c) => [c, "changes the state of a shared connection"] as [string, string],
  ),
  ...["multi", "exec", "discard", "watch", "unwatch"].map((c) => [c, "a raw transaction command (use the transaction option)"] as [string, string]),
  // The API serves one logical database, like SELECT's refusal says.
  ["move", "it reaches another logical database"],
]);

const scripting = new Set(["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "script|load", "script|exists"]);
/** Scripts a read-only caller may run: the server refuses writes inside them. */
const readOnlyScripts = new Set(["eval_ro", "evalsha_ro", "fcall_ro", "script|exists"]);
/** Commands in a denied category (connection, pub/sub, admin) that change nothing and reach no key but a declared one. */
const harmless = new Set([
  "ping",
  "echo",
  "command|docs",
  "command|info",
  "command|count",
  "command|list",
  "command|getkeys",
  "command|getkeysandflags",
  "memory|usage",
  "pubsub|channels",
  "pubsub|numsub",
  "pubsub|numpat",
  "pubsub|shardchannels",
  "pubsub|shardnumsub",
]);
/** Deliver a message to a channel (named by the caller) and subscribe to nothing: a write. */
const publishing = new Set(["publish", "spublish"]);
/** Commands that walk the keyspace by a pattern: under a key prefix the pattern must start with it. */
const patternOf: Record<string, (args: string[]) => string | undefined> = {
  keys: (args) => args[1],
  scan: (args) => args[args.findIndex((a, i) => i > 1 && a.toLowerCase() === "match") + 1],
  "pubsub|channels": (args) => args[2],
  "pubsub|shardchannels": (args) => args[2],
};
const globCharacters = /[*?[\\]/;
/** Blocking only with the BLOCK option. */
const blockingWithOption = new Set(["xread", "xreadgroup"]);

const deniedCategories = ["admin", "dangerous", "blocking", "pubsub", "connection", "transaction"];
const deniedFlags = ["admin", "pubsub", "blocking"];

const refuse = (name: string, why: string) => new CommandRefused(`ERR command '${name}' is not allowed: ${why}`);

const containersOf = new WeakMap<CommandTable, Set<string>>();
function containers(table: CommandTable): Set<string> {
  let set = containersOf.get(table);
  if (!set) containersOf.set(table, (set = new Set([...table.keys()].filter((k) => k.includes("|")).map((k) => k.split("|")[0]))));
  return set;
}

function lookup(args: string[], table: CommandTable): { name: string; spec: CommandSpec } {
  const base = args[0].toLowerCase();
  const spec = table.get(base);
  if (!spec) throw new CommandRefused(`ERR unknown command '${args[0]}'`);
  if (!containers(table).has(base)) return { name: base, spec };
  if (args.length < 2) throw new CommandRefused(`ERR wrong number of arguments for '${base}' command`);
  const name = `${base}|${args[1].toLowerCase()}`;
  const sub = table.get(name);
  if (!sub) throw new CommandRefused(`ERR unknown subcommand '${args[1]}' for '${base}'`);
  return { name, spec: sub };
}

function keysOf(args: string[], spec: CommandSpec): string[] | undefined {
  if (spec.flags.includes("movablekeys")) return undefined;
  if (spec.firstKey <= 0) return [];
  // Subcommand specs count positions from the container's name too, so positions index `args` directly.
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  const keys: string[] = [];
  for (let i = spec.firstKey; i <= last && i < args.length; i += Math.max(1, spec.step)) keys.push(args[i]);
  return keys;
}

/** Classifies one command, or throws CommandRefused saying exactly why. Nothing is sent to Redis. */
export function classifyCommand(args: string[], table: CommandTable, policy: CommandPolicy): ClassifiedCommand {
  if (args.length === 0) throw new CommandRefused("ERR empty command");
  const { name, spec } = lookup(args, table);
  const base = name.split("|")[0];
  const isScript = scripting.has(name) || scripting.has(base);

  const deniedWhy = harmless.has(name) ? undefined : denied.get(base);
  if (deniedWhy) throw refuse(name, deniedWhy);
  if (isScript && !policy.allowScripts) throw refuse(name, "scripts are disabled for this API");
  if (isScript && policy.access === "read" && !readOnlyScripts.has(name)) throw refuse(name, "this request may only read: use EVAL_RO, EVALSHA_RO or FCALL_RO");
  // A script reads and writes keys it never declares: no prefix confines it.
  if (isScript && policy.keyPrefix !== undefined) throw refuse(name, "scripts cannot be confined to a key prefix");
  if (base === "copy" && args.slice(3).some((a) => a.toLowerCase() === "db")) throw refuse(name, "it reaches another logical database");
  if (!isScript && base === "script") throw refuse(name, "administrative");
  if (base === "function") throw refuse(name, "administrative");

  const blocking = blockingWithOption.has(base) ? args.some((a) => a.toLowerCase() === "block") : false;
  if (blocking) throw refuse(name, "blocking commands do not belong in a request/response API");
  if (!harmless.has(name) && !publishing.has(name) && base !== "keys" && !blockingWithOption.has(base)) {
    const flag = spec.flags.find((f) => deniedFlags.includes(f));
    const category = spec.categories.find((c) => deniedCategories.includes(c));
    if (flag === "blocking" || category === "blocking") throw refuse(name, "blocking commands do not belong in a request/response API");
    if (flag === "pubsub" || category === "pubsub") throw refuse(name, "pub/sub does not belong in a request/response API");
    if (flag || category) throw refuse(name, `flagged @${flag ?? category}`);
  }

  // What a command can do decides: no write flag, no key and no view of the keyspace (TIME, LOLWUT) changes
  // and reveals nothing, like a read.
  const touchesNothing =
    spec.firstKey === 0 &&
    !spec.flags.includes("movablekeys") &&
    !spec.flags.includes("write") &&
    !spec.categories.includes("keyspace") &&
    !publishing.has(name);
  const readOnly = spec.flags.includes("readonly") || harmless.has(name) || touchesNothing;
  if (policy.access === "read" && !readOnly) throw refuse(name, "not a read-only command, and this request may only read");
  if (policy.access === "write" && !readOnly && !spec.flags.includes("write") && !isScript && !publishing.has(name)) {
    throw refuse(name, "neither a read nor a write command");
  }

  if (spec.arity > 0 ? args.length !== spec.arity : args.length < -spec.arity) {
    throw new CommandRefused(`ERR wrong number of arguments for '${name}' command`);
  }

  if (policy.bounds) checkArgumentBounds(name, args, spec.counts, policy.bounds);

  // A channel is confined to the prefix like a key.
  const keys = publishing.has(name) ? [args[1]] : keysOf(args, spec);
  if (policy.keyPrefix !== undefined) {
    const prefix = policy.keyPrefix;
    const pattern = patternOf[name]?.(args);
    if (patternOf[name] && !(pattern?.startsWith(prefix) && !globCharacters.test(prefix))) {
      throw refuse(name, `under a key prefix its pattern must start with '${prefix}'`);
    }
    const confined = (harmless.has(name) || touchesNothing) && !name.startsWith("pubsub|");
    if (keys?.length === 0 && !pattern && !confined) throw refuse(name, "it reaches beyond your key prefix");
    const outside = keys?.find((k) => !k.startsWith(prefix));
    if (outside !== undefined) throw refuse(name, `key '${outside}' is outside your key prefix '${prefix}'`);
  }
  return { name, args, spec, keys, needsSmallKeyspace: base === "keys" };
}
