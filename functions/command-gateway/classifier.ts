// One classifier for every HTTP door to Redis (GraphQL and REST): Redis's own command flags decide
// what a caller may run, and a deny list no caller can lift keeps admin, blocking and pub/sub out.
import type { CommandSpec, CommandTable } from "./command-table.js";
import { CommandRefused } from "./errors.js";

/** `read`: read-only commands only (GraphQL query, read-only REST token). `write`: reads and writes. */
export type Access = "read" | "write";

export interface CommandPolicy {
  access: Access;
  /** EVAL, EVALSHA, FCALL and SCRIPT LOAD/EXISTS; off unless the deployment enables them. */
  allowScripts: boolean;
  /** Every key a command touches must start with this prefix (per API key or identity). */
  keyPrefix?: string;
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
/** Connection-category commands that touch no state: allowed everywhere. */
const harmless = new Set(["ping", "echo"]);
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

  const deniedWhy = denied.get(base);
  if (deniedWhy) throw refuse(name, deniedWhy);
  if (isScript && !policy.allowScripts) throw refuse(name, "scripts are disabled for this API");
  // A script reads and writes keys it never declares: no prefix confines it.
  if (isScript && policy.keyPrefix !== undefined) throw refuse(name, "scripts cannot be confined to a key prefix");
  if (base === "copy" && args.slice(3).some((a) => a.toLowerCase() === "db")) throw refuse(name, "it reaches another logical database");
  if (!isScript && base === "script") throw refuse(name, "administrative");
  if (base === "function") throw refuse(name, "administrative");

  const blocking = blockingWithOption.has(base) ? args.some((a) => a.toLowerCase() === "block") : false;
  if (blocking) throw refuse(name, "blocking commands do not belong in a request/response API");
  if (!harmless.has(name) && base !== "keys" && !blockingWithOption.has(base)) {
    const flag = spec.flags.find((f) => deniedFlags.includes(f));
    const category = spec.categories.find((c) => deniedCategories.includes(c));
    if (flag === "blocking" || category === "blocking") throw refuse(name, "blocking commands do not belong in a request/response API");
    if (flag === "pubsub" || category === "pubsub") throw refuse(name, "pub/sub does not belong in a request/response API");
    if (flag || category) throw refuse(name, `flagged @${flag ?? category}`);
  }

  const readOnly = spec.flags.includes("readonly") || harmless.has(name);
  if (policy.access === "read" && !readOnly) throw refuse(name, "not a read-only command, and this request may only read");
  if (policy.access === "write" && !readOnly && !spec.flags.includes("write") && !isScript) throw refuse(name, "neither a read nor a write command");

  if (spec.arity > 0 ? args.length !== spec.arity : args.length < -spec.arity) {
    throw new CommandRefused(`ERR wrong number of arguments for '${name}' command`);
  }

  const keys = keysOf(args, spec);
  if (policy.keyPrefix !== undefined) {
    if (keys?.length === 0 && !harmless.has(name)) throw refuse(name, "it reaches beyond your key prefix");
    const outside = keys?.find((k) => !k.startsWith(policy.keyPrefix!));
    if (outside !== undefined) throw refuse(name, `key '${outside}' is outside your key prefix '${policy.keyPrefix}'`);
  }
  return { name, args, spec, keys, needsSmallKeyspace: base === "keys" };
}
