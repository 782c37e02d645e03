// The server's own `COMMAND DOCS` reply, parsed: what the gateway bounds count arguments with and
// what the console's HELP and hints print. Pure (the browser page bundles it too).

/** One documented argument, as `COMMAND DOCS` describes it. */
export interface ArgumentDoc {
  name: string;
  type: string;
  token?: string;
  flags: string[];
  arguments: ArgumentDoc[];
  /** For a key: which of the command's key specs it is (COMMAND INFO's order). */
  keySpecIndex?: number;
}

export interface CommandDoc {
  summary: string;
  since: string;
  group: string;
  arguments: ArgumentDoc[];
  subcommands: Record<string, CommandDoc>;
}

/** RESP2 sends maps as flat [key, value, ...] lists. */
export function mapOf(list: unknown): Map<string, unknown> {
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
    ...(map.has("key_spec_index") ? { keySpecIndex: Number(map.get("key_spec_index")) } : {}),
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
