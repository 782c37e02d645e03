// One classifier for every HTTP door to Redis (GraphQL and REST), deny by default: a command runs only
// if it is in the exposure list, parses against its documented grammar (an option given twice is
// refused), fits the caller's access and key prefix by what the parse names, and passes its cost rules.
import { GrammarError, parseArguments, type ParsedCommand } from "../redis/command-grammar.js";
import type { CommandSpec, CommandTable } from "./command-table.js";
import { costChecks, refusal, type CopyAllowance, type ServerCheck } from "./costs.js";
import type { GatewaySettings } from "./settings.js";
import { CommandRefused } from "./errors.js";
import { exposure, type Exposure } from "./exposure.js";
import { refusedBecause } from "./not-exposed.js";

/** `read`: read-only commands only (GraphQL query, read-only REST token). `write`: reads and writes. */
export type Access = "read" | "write";

export interface CommandPolicy {
  access: Access;
  /** EVAL, EVALSHA, FCALL and SCRIPT LOAD/EXISTS; off unless the deployment enables them. */
  allowScripts: boolean;
  /** Every key, channel and pattern a command names must start with this prefix (per API key or token). */
  keyPrefix?: string;
  settings: GatewaySettings;
  /** What the request may still copy inside Redis. */
  allowance: CopyAllowance;
}

export interface ClassifiedCommand {
  /** Lower case; `config|get` for a container command's subcommand. */
  name: string;
  args: string[];
  spec: CommandSpec;
  exposure: Exposure;
  parse: ParsedCommand;
  /** Every key the parse names. */
  keys: string[];
  /** Questions for the server before anything runs (sizes, memory, the keyspace). */
  checks: ServerCheck[];
}

const containersOf = new WeakMap<CommandTable, Set<string>>();
function containers(table: CommandTable): Set<string> {
  let set = containersOf.get(table);
  if (!set) containersOf.set(table, (set = new Set([...table.keys()].filter((k) => k.includes("|")).map((k) => k.split("|")[0]))));
  return set;
}

function lookup(args: string[], table: CommandTable): { name: string; spec: CommandSpec; first: number } {
  const base = args[0].toLowerCase();
  const spec = table.get(base);
  if (!spec) throw new CommandRefused(`ERR unknown command '${args[0].slice(0, 64)}'`, "unknown-command");
  if (!containers(table).has(base)) return { name: base, spec, first: 1 };
  if (args.length < 2) throw new CommandRefused(`ERR wrong number of arguments for '${base}' command`, "arity");
  const name = `${base}|${args[1].toLowerCase()}`;
  const sub = table.get(name);
  if (!sub) throw new CommandRefused(`ERR unknown subcommand '${args[1].slice(0, 64)}' for '${base}'`, "unknown-command");
  return { name, spec: sub, first: 2 };
}

/**
 * Whether the caller may run a script command, or why not: registered scripts and functions only
 * (REGISTERED_SCRIPTS), raw Lua only when ALLOW_EVAL says so and never for a read-only caller.
 */
function scriptRefusal(exposed: Exposure, policy: CommandPolicy, args: string[]): string | undefined {
  if (!policy.allowScripts) return "scripts are disabled for this API";
  // The engine checks keys inside a script, but SCAN and RANDOMKEY there still list every tenant's keys,
  // and a script stalls every caller while it runs: docs/security.md, "What a script can do".
  if (policy.keyPrefix !== undefined) return "scripts cannot be confined to a key prefix";
  if (policy.access === "read" && exposed.script !== "reads")
    return "this request may only read: use EVALSHA_RO or FCALL_RO (a read-only caller runs loaded scripts only)";
  if (exposed.script === "loads" && !policy.settings.allowEval) return "raw Lua is off (ALLOW_EVAL): run a registered script with EVALSHA or FCALL";
  const named = args[0].toLowerCase().startsWith("script") ? undefined : args[1];
  if (
    exposed.script !== "loads" &&
    named !== undefined &&
    !policy.settings.registeredScripts.includes(named.toLowerCase()) &&
    !policy.settings.registeredScripts.includes(named)
  )
    return `'${named.slice(0, 64)}' is not a registered script or function (REGISTERED_SCRIPTS)`;
  return undefined;
}

/** Values the parse names that a key prefix confines: keys, channels, and patterns (SORT's `nosort` and `#` name none). */
function confined(parse: ParsedCommand): { what: string; value: string }[] {
  return parse.values.flatMap((v) => {
    if (v.type === "key") return [{ what: "key", value: v.value }];
    if (v.name === "channel" || v.name === "shardchannel") return [{ what: "channel", value: v.value }];
    if (v.type === "pattern" && !(v.value === "#" || v.value.toLowerCase() === "nosort")) return [{ what: "pattern", value: v.value }];
    return [];
  });
}

const globCharacters = /[*?[\\]/;

/** The engine's keyspace notification channels: only the engine publishes there. */
export const isKeyspaceChannel = (channel: string) => /^__key(space|event)@/.test(channel);

function checkPrefix(name: string, exposed: Exposure, parse: ParsedCommand, prefix: string): void {
  if (exposed.global) throw refusal(name, exposed.global, "key-prefix");
  if (exposed.engineMisreads) throw refusal(name, exposed.engineMisreads, "key-prefix");
  const named = confined(parse);
  if (exposed.walks && !named.some((n) => n.what === "pattern"))
    throw refusal(name, `under a key prefix its pattern must start with '${prefix}'`, "key-prefix");
  for (const { what, value } of named) {
    // A pattern must start with the prefix as literal text, so it can match nothing else.
    const inside = value.startsWith(prefix) && !(what === "pattern" && globCharacters.test(prefix));
    if (!inside) {
      throw refusal(
        name,
        what === "pattern"
          ? `under a key prefix its pattern must start with '${prefix}'`
          : `${what} '${value.slice(0, 64)}' is outside your key prefix '${prefix}'`,
        "key-prefix",
      );
    }
  }
  const keyless = named.length === 0 && exposed.cost.every((c) => c.rule !== "introspection");
  if (keyless && exposed.access === "write") throw refusal(name, "it reaches beyond your key prefix", "key-prefix");
}

/** A value equal to STREAMS before the STREAMS option: the engine's key lookup would start the keys there. */
function streamsMisread(parse: ParsedCommand): boolean {
  const streams = parse.values.find((v) => v.token === "STREAMS");
  return streams !== undefined && parse.values.some((v) => v.index < streams.index && v.value.toUpperCase() === "STREAMS");
}

/** Classifies one command, or throws CommandRefused saying exactly why. Nothing is sent to Redis. */
export function classifyCommand(args: string[], table: CommandTable, policy: CommandPolicy): ClassifiedCommand {
  if (args.length === 0) throw new CommandRefused("ERR empty command", "arity");
  const { name, spec, first } = lookup(args, table);
  const exposed = exposure[name];
  if (!exposed)
    throw refusal(
      name,
      refusedBecause[name] ?? refusedBecause[name.split("|")[0]] ?? "it is not in the gateway's exposure list of data commands",
      "not-exposed",
    );

  // The engine's own flags can only add restrictions: a command it marks as writing is a write.
  const writes = exposed.access === "write" || spec.flags.includes("write");
  if (exposed.script) {
    const why = scriptRefusal(exposed, policy, args);
    if (why) throw refusal(name, why, "scripts");
  } else if (policy.access === "read" && writes) throw refusal(name, "not a read-only command, and this request may only read", "read-only");

  if (spec.arity > 0 ? args.length !== spec.arity : args.length < -spec.arity) {
    throw new CommandRefused(`ERR wrong number of arguments for '${name}' command`, "arity");
  }
  if (!spec.doc) throw refusal(name, "the engine documents no grammar for it (COMMAND DOCS), so its arguments cannot be checked", "grammar");
  let parse: ParsedCommand;
  try {
    parse = parseArguments(name, spec.doc, args, first);
  } catch (error) {
    if (error instanceof GrammarError) throw new CommandRefused(error.message, "grammar");
    throw error;
  }
  if (exposed.blocks && parse.has(exposed.blocks)) throw refusal(name, "blocking commands do not belong in a request/response API", "blocking");
  if (parse.has("DB")) throw refusal(name, "it reaches another logical database", "not-exposed");
  const engineChannel = parse.values.find((v) => (v.name === "channel" || v.name === "shardchannel") && isKeyspaceChannel(v.value));
  if (engineChannel)
    throw refusal(name, `channel '${engineChannel.value.slice(0, 64)}' is the engine's keyspace notifications (the change feed trusts them)`, "not-exposed");
  if (streamsMisread(parse))
    throw refusal(name, "a group, consumer or value named STREAMS before the STREAMS option is misread by the engine's key lookup", "grammar");
  if (policy.keyPrefix !== undefined) checkPrefix(name, exposed, parse, policy.keyPrefix);

  const checks = costChecks({ name, settings: policy.settings, allowance: policy.allowance }, exposed.cost, parse);
  return { name, args, spec, exposure: exposed, parse, keys: parse.keys.map((k) => k.value), checks };
}
