// The server's own command table (COMMAND INFO): arity, flags, ACL categories, key positions, per
// subcommand; plus the count arguments its COMMAND DOCS describe.
import type { CountArgument } from "./argument-bounds.js";

export interface CommandSpec {
  arity: number;
  flags: string[];
  categories: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  /** Count-like arguments, from COMMAND DOCS (absent when the server has no docs). */
  counts?: CountArgument[];
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
    const subcommands = entry[9];
    if (Array.isArray(subcommands)) subcommands.forEach(add);
  };
  reply.forEach(add);
  return table;
}

/** Adds COMMAND DOCS's count arguments to the table's specs. */
export function withCountArguments(table: CommandTable, counts: Record<string, CountArgument[]>): CommandTable {
  for (const [name, found] of Object.entries(counts)) {
    const spec = table.get(name);
    if (spec) spec.counts = found;
  }
  return table;
}

/** Compact JSON form, for the generated fallback shipped with the bundle. */
export type SerializedTable = Record<string, [number, string[], string[], number, number, number, CountArgument[]?]>;

/** The shipped fallback: which server it was read from, and its table. */
export interface ShippedTable {
  engine: string;
  version: string;
  commands: SerializedTable;
}

export const serializeTable = (table: CommandTable): SerializedTable =>
  Object.fromEntries(
    [...table]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, s]): [string, SerializedTable[string]] => [
        n,
        s.counts ? [s.arity, s.flags, s.categories, s.firstKey, s.lastKey, s.step, s.counts] : [s.arity, s.flags, s.categories, s.firstKey, s.lastKey, s.step],
      ]),
  );

export const deserializeTable = (json: SerializedTable): CommandTable =>
  new Map(
    Object.entries(json).map(([n, [arity, flags, categories, firstKey, lastKey, step, counts]]) => [
      n,
      { arity, flags, categories, firstKey, lastKey, step, ...(counts ? { counts } : {}) },
    ]),
  );

/** Which engine and version an `INFO server` reply names (Valkey says `server_name:valkey`; Redis says nothing). */
export function engineOfInfo(info: string): { engine: string; version: string } {
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, "m").exec(info)?.[1];
  const engine = field("server_name") ?? "redis";
  return { engine, version: field(`${engine}_version`) ?? field("redis_version") ?? "unknown" };
}
