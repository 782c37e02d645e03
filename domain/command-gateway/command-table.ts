// The server's own command table (COMMAND INFO: arity, flags, ACL categories, key positions, per
// subcommand), each command with its documented grammar (COMMAND DOCS: group and argument tree).
import { parseDocs, type ArgumentDoc, type CommandDoc } from "../redis/command-docs.js";

/** What the gateway needs of a command's COMMAND DOCS: its group and its arguments (no summaries). */
export type CommandGrammar = Pick<CommandDoc, "group" | "arguments">;

export interface CommandSpec {
  arity: number;
  flags: string[];
  categories: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  /** The documented grammar; absent when the server documents none (a module's command may not). */
  doc?: CommandDoc;
}

/** `get` -> spec; container commands by `config|get`. */
export type CommandTable = Map<string, CommandSpec>;

type RawEntry = [string, number, string[], number, number, number, string[], ...unknown[]];

const str = (v: unknown) => (Buffer.isBuffer(v) ? v.toString("utf8") : String(v));

/** Parses the reply of `COMMAND` (or `COMMAND INFO ...`), Redis 7 format, subcommands included. */
export function parseCommandReply(reply: unknown[]): CommandTable {
  const table: CommandTable = new Map();
  const add = (entry: unknown) => {
    if (!Array.isArray(entry)) return;
    const [name, arity, flags, firstKey, lastKey, step, categories] = entry as RawEntry;
    table.set(str(name).toLowerCase(), {
      arity: Number(arity),
      flags: (flags ?? []).map(str),
      categories: (categories ?? []).map((c) => str(c).replace(/^@/, "")),
      firstKey: Number(firstKey),
      lastKey: Number(lastKey),
      step: Number(step),
    });
    const subcommands: unknown = entry[9];
    if (Array.isArray(subcommands)) subcommands.forEach(add);
  };
  reply.forEach(add);
  return table;
}

/** Every command's and subcommand's doc in a `COMMAND DOCS` reply, by table name (`xinfo|stream`). */
export function docsByName(reply: unknown): Map<string, CommandDoc> {
  const all = new Map<string, CommandDoc>();
  const add = (name: string, doc: CommandDoc) => {
    all.set(name, doc);
    for (const [sub, subDoc] of Object.entries(doc.subcommands)) add(sub, subDoc);
  };
  for (const [name, doc] of Object.entries(parseDocs(reply))) add(name, doc);
  return all;
}

/** Gives each spec its doc (commands a reply does not document keep none). */
export function withDocs(table: CommandTable, docs: Map<string, CommandGrammar>): CommandTable {
  for (const [name, spec] of table) {
    const doc = docs.get(name);
    spec.doc = doc ? { summary: "", since: "", subcommands: {}, ...doc } : undefined;
  }
  return table;
}

/** Compact JSON form, for the generated fallback shipped with the bundle. */
export type SerializedTable = Record<string, [number, string[], string[], number, number, number, CommandGrammar?]>;

/** The shipped fallback: which server it was read from, and its table. */
export interface ShippedTable {
  engine: string;
  version: string;
  commands: SerializedTable;
}

/** An argument tree without the empty parts (most arguments have no flags and no children). */
const compact = (arg: ArgumentDoc): ArgumentDoc =>
  ({
    name: arg.name,
    type: arg.type,
    ...(arg.token !== undefined ? { token: arg.token } : {}),
    ...(arg.flags.length ? { flags: arg.flags } : {}),
    ...(arg.arguments.length ? { arguments: arg.arguments.map(compact) } : {}),
    ...(arg.keySpecIndex !== undefined ? { keySpecIndex: arg.keySpecIndex } : {}),
  }) as ArgumentDoc;
const expand = (arg: Partial<ArgumentDoc>): ArgumentDoc => ({ ...(arg as ArgumentDoc), flags: arg.flags ?? [], arguments: (arg.arguments ?? []).map(expand) });

export const serializeTable = (table: CommandTable): SerializedTable =>
  Object.fromEntries(
    [...table]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, s]): [string, SerializedTable[string]] => {
        const head: [number, string[], string[], number, number, number] = [s.arity, s.flags, s.categories, s.firstKey, s.lastKey, s.step];
        return [n, s.doc ? [...head, { group: s.doc.group, arguments: s.doc.arguments.map(compact) }] : head];
      }),
  );

export const deserializeTable = (json: SerializedTable): CommandTable =>
  new Map(
    Object.entries(json).map(([n, [arity, flags, categories, firstKey, lastKey, step, grammar]]) => [
      n,
      {
        arity,
        flags,
        categories,
        firstKey,
        lastKey,
        step,
        ...(grammar ? { doc: { summary: "", since: "", subcommands: {}, group: grammar.group, arguments: grammar.arguments.map(expand) } } : {}),
      },
    ]),
  );

/** Which engine and version an `INFO server` reply names (Valkey says `server_name:valkey`; Redis says nothing). */
export function engineOfInfo(info: string): { engine: string; version: string } {
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, "m").exec(info)?.[1];
  const engine = field("server_name") ?? "redis";
  return { engine, version: field(`${engine}_version`) ?? field("redis_version") ?? "unknown" };
}
