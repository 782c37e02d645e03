// redis-cli's help from the server's own `COMMAND DOCS`: `HELP <command>`, the argument hint shown
// while typing, and Tab completion of command names. Pure functions; the console page fetches the docs.

/** One documented argument, as `COMMAND DOCS` describes it. */
export interface ArgumentDoc {
  name: string;
  type: string;
  token?: string;
  flags: string[];
  arguments: ArgumentDoc[];
}

export interface CommandDoc {
  summary: string;
  since: string;
  group: string;
  arguments: ArgumentDoc[];
  subcommands: Record<string, CommandDoc>;
}

/** RESP2 sends maps as flat [key, value, ...] lists. */
function mapOf(list: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (Array.isArray(list)) for (let i = 0; i + 1 < list.length; i += 2) map.set(String(list[i]), list[i + 1]);
  return map;
}

function argumentOf(raw: unknown): ArgumentDoc {
  const map = mapOf(raw);
  const flags = map.get("flags");
  const nested = map.get("arguments");
  return {
    name: String(map.get("name") ?? ""),
    type: String(map.get("type") ?? ""),
    token: map.has("token") ? String(map.get("token")) : undefined,
    flags: Array.isArray(flags) ? flags.map(String) : [],
    arguments: Array.isArray(nested) ? nested.map(argumentOf) : [],
  };
}

function docOf(raw: unknown): CommandDoc {
  const map = mapOf(raw);
  const args = map.get("arguments");
  const subcommands: Record<string, CommandDoc> = {};
  for (const [name, doc] of mapOf(map.get("subcommands"))) subcommands[name.toLowerCase()] = docOf(doc);
  return {
    summary: String(map.get("summary") ?? ""),
    since: String(map.get("since") ?? ""),
    group: String(map.get("group") ?? ""),
    arguments: Array.isArray(args) ? args.map(argumentOf) : [],
    subcommands,
  };
}

/** `COMMAND DOCS [name ...]` reply (strings, numbers, nested lists) -> lower-case name -> doc. */
export function parseDocs(reply: unknown): Record<string, CommandDoc> {
  const docs: Record<string, CommandDoc> = {};
  for (const [name, doc] of mapOf(reply)) docs[name.toLowerCase()] = docOf(doc);
  return docs;
}

/** One argument as redis-cli writes it: `[NX | XX]`, `EX seconds`, `key [key ...]`. */
export function argumentSyntax(arg: ArgumentDoc): string {
  // An empty token (MIGRATE's `""` in place of a key) is written as redis-cli writes it.
  const token = arg.token === "" ? '""' : arg.token;
  if (arg.type === "pure-token") return arg.flags.includes("optional") ? `[${token}]` : (token ?? arg.name);
  let text = arg.type === "oneof" ? arg.arguments.map(argumentSyntax).join("|") : arg.type === "block" ? arg.arguments.map(argumentSyntax).join(" ") : arg.name;
  if (arg.flags.includes("multiple") && !arg.flags.includes("multiple_token")) text = `${text} [${text} ...]`;
  if (token) text = `${token} ${text}`;
  if (arg.flags.includes("multiple_token")) text = `${text} [${text} ...]`;
  return arg.flags.includes("optional") ? `[${text}]` : text;
}

/** The full syntax line: `SET key value [NX | XX] ...`, `CONFIG GET parameter [parameter ...]`. */
export const commandSyntax = (name: string, doc: CommandDoc) => [name.toUpperCase().replace("|", " "), ...doc.arguments.map(argumentSyntax)].join(" ");

/** What `HELP <command>` prints, as redis-cli prints it. */
export function helpText(name: string, doc: CommandDoc): string {
  return ["", `  ${commandSyntax(name, doc)}`, `  summary: ${doc.summary}`, `  since: ${doc.since}`, `  group: ${doc.group}`, ""].join("\n");
}

/**
 * The hint after what is typed: the arguments not yet given. `typed` are the words after the command
 * name; a line ending in a space has started the next argument.
 */
export function hintFor(doc: CommandDoc, typed: number): string {
  return doc.arguments.slice(typed).map(argumentSyntax).join(" ");
}

/** Tab: the next command name (upper case, as redis-cli completes) starting with `prefix`, cycling past `current`. */
export function completeCommand(prefix: string, names: string[], current?: string): string | undefined {
  const matches = names
    .filter((n) => !n.includes("|") && n.startsWith(prefix.toLowerCase()))
    .sort()
    .map((n) => n.toUpperCase());
  if (matches.length === 0) return undefined;
  const at = current === undefined ? -1 : matches.indexOf(current.toUpperCase());
  return matches[(at + 1) % matches.length];
}
