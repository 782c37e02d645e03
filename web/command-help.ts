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

/** The full syntax line: `SET key value [NX | XX] ...`, `CONFIG GET parameter [parameter ...]`. */
export const commandSyntax = (name: string, doc: CommandDoc) => [name.toUpperCase().replace("|", " "), ...doc.arguments.map(argumentSyntax)].join(" ");

/** What `HELP <command>` prints, as redis-cli prints it. */
export function helpText(name: string, doc: CommandDoc): string {
  return ["", `  ${commandSyntax(name, doc)}`, `  summary: ${doc.summary}`, `  since: ${doc.since}`, `  group: ${doc.group}`, ""].join("\n");
}

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
