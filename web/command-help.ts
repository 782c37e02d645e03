// redis-cli's help from the server's own `COMMAND DOCS`: `HELP <command>`, the argument hint shown
// while typing, and Tab completion of command names. Pure functions; the console page fetches the docs.
import type { ArgumentDoc, CommandDoc } from "../domain/redis/command-docs.js";
import { remainingArguments } from "../domain/redis/command-grammar.js";

export { parseDocs, type CommandDoc } from "../domain/redis/command-docs.js";

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

/** The full syntax line, as redis-cli writes it (`%s %s`: a command without arguments keeps its space). */
const commandSyntax = (name: string, doc: CommandDoc) => `${displayName(name)} ${doc.arguments.map(argumentSyntax).join(" ")}`;
const displayName = (name: string) => name.toUpperCase().replace("|", " ");
const entry = (name: string, doc: CommandDoc) => ["", `  ${commandSyntax(name, doc)}`, `  summary: ${doc.summary}`, `  since: ${doc.since}`];

/** What `HELP <command>` prints, as redis-cli prints it. */
export function helpText(name: string, doc: CommandDoc): string {
  return [...entry(name, doc), `  group: ${doc.group}`, ""].join("\n");
}

/** Every command and subcommand of the docs, by its `name` or `name|sub`. */
function allEntries(docs: Record<string, CommandDoc>): [string, CommandDoc][] {
  return Object.entries(docs).flatMap(([name, doc]) => [[name, doc] as [string, CommandDoc], ...Object.entries(doc.subcommands)]);
}

/** What `HELP @<group>` prints, as redis-cli prints it: each command of the group in name order, without its group line. */
export function helpGroup(group: string, docs: Record<string, CommandDoc>): string {
  const members = allEntries(docs)
    .filter(([, doc]) => doc.group === group.toLowerCase())
    .sort(([a], [b]) => (displayName(a).toLowerCase() < displayName(b).toLowerCase() ? -1 : 1));
  return members.length ? [...members.flatMap(([name, doc]) => entry(name, doc)), ""].join("\n") : "";
}

/** The topics `HELP <Tab>` cycles through: every `@group`, then every command. */
export const helpTopics = (docs: Record<string, CommandDoc>) => [
  ...[...new Set(allEntries(docs).map(([, doc]) => `@${doc.group}`))].sort(),
  ...Object.keys(docs).sort(),
];

/**
 * The hint after what is typed: the arguments not yet given, as the gateway's own parse of the words
 * after the command name sees them (options given are left out, in whatever order they came).
 */
export function hintFor(doc: CommandDoc, typed: string[]): string {
  return remainingArguments(doc, typed).map(argumentSyntax).join(" ");
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
