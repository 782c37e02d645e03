// redis-cli's text on both sides of the console: a typed line split into arguments (quotes, escapes,
// `\xHH` as the byte it names) and replies printed byte for byte as redis-cli prints them. Pure.

/** A reply as the console holds it: STRING and STATUS values are the exact bytes (or text, when built by hand). */
export interface Reply {
  type: "STATUS" | "STRING" | "INTEGER" | "NIL" | "ARRAY" | "ERROR";
  value: unknown;
  error?: string | null;
}

/** An argument whose bytes are not UTF-8: the command API carries arguments as JSON text. */
export class NotTextArgument extends Error {
  override name = "NotTextArgument";
}

const utf8 = new TextEncoder();
const strictText = new TextDecoder("utf-8", { fatal: true });

/** An argument's bytes as text; bytes that are not UTF-8 cannot travel in a JSON string. */
function argumentText(bytes: number[], position: number): string {
  try {
    return strictText.decode(new Uint8Array(bytes));
  } catch {
    const shown = bytes.map((b) => (b < 0x20 || b >= 0x7f ? `\\x${b.toString(16).padStart(2, "0")}` : String.fromCharCode(b))).join("");
    throw new NotTextArgument(`argument ${position} ("${shown}") is not UTF-8 text: the command API carries arguments as text, replies as bytes`);
  }
}

/**
 * Splits a line as redis-cli does (sdssplitargs): quotes, escapes, `\xHH` as one byte; undefined when
 * unbalanced. Throws NotTextArgument when an argument's bytes are not UTF-8.
 */
export function parseCommandLine(line: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
  const push = (bytes: number[], text: string) => bytes.push(...utf8.encode(text));
  while (true) {
    while (isSpace(line[i])) i++;
    if (i >= line.length) return args;
    const current: number[] = [];
    // Inside quotes: `"` takes redis-cli's escapes (\n, \xHH, ...), `'` only \'.
    let quoted: '"' | "'" | undefined;
    for (;;) {
      const c = line[i];
      const next = line[i + 1];
      if (quoted) {
        if (c === undefined) return undefined;
        if (quoted === '"' && c === "\\" && next === "x" && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          current.push(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (quoted === '"' && c === "\\" && next !== undefined) {
          const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };
          push(current, escapes[next] ?? next);
          i++;
        } else if (quoted === "'" && c === "\\" && next === "'") {
          push(current, "'");
          i++;
        } else if (c === quoted) {
          // A closing quote must be followed by a space or the end of the line.
          if (next !== undefined && !isSpace(next)) return undefined;
          i++;
          break;
        } else push(current, c);
      } else {
        if (c === undefined || isSpace(c)) break;
        if (c === '"' || c === "'") quoted = c;
        else push(current, c);
      }
      i++;
    }
    args.push(argumentText(current, args.length + 1));
  }
}

const bytesOf = (value: unknown): Uint8Array => (value instanceof Uint8Array ? value : utf8.encode(String(value)));
const textOf = (value: unknown): string => (value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value));

/** Quotes a bulk string as redis-cli does (sdscatrepr): byte by byte, so UTF-8 beyond ASCII shows as `\xNN`. */
export function quote(value: string | Uint8Array): string {
  const escapes: Record<number, string> = { 0x5c: "\\\\", 0x22: '\\"', 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x07: "\\a", 0x08: "\\b" };
  let out = '"';
  for (const byte of bytesOf(value)) {
    if (escapes[byte]) out += escapes[byte];
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, "0")}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

/** Formats a reply exactly as redis-cli does on a terminal, nested arrays included. */
export function formatReply(reply: Reply, indent = ""): string {
  switch (reply.type) {
    case "STATUS":
      return textOf(reply.value);
    case "STRING":
      return quote(bytesOf(reply.value));
    case "INTEGER":
      return `(integer) ${reply.value}`;
    case "NIL":
      return "(nil)";
    case "ERROR":
      return `(error) ${reply.error}`;
    case "ARRAY": {
      const elements = (reply.value as Reply[]) ?? [];
      if (elements.length === 0) return "(empty array)";
      const width = String(elements.length).length;
      return elements
        .map((element, i) => {
          const label = `${String(i + 1).padStart(width, " ")}) `;
          return `${i === 0 ? "" : indent}${label}${formatReply(element, indent + " ".repeat(label.length))}`;
        })
        .join("\n");
    }
  }
}

/** A reply as redis-cli's raw mode prints it: strings as their text, one element a line, nil as nothing. */
export function formatRaw(reply: Reply): string {
  switch (reply.type) {
    case "ARRAY":
      return ((reply.value as Reply[]) ?? []).map(formatRaw).join("\n");
    case "NIL":
      return "";
    case "ERROR":
      return `(error) ${reply.error}`;
    case "INTEGER":
      return String(reply.value);
    default:
      return textOf(reply.value).replace(/\r\n/g, "\n").replace(/\n$/, "");
  }
}

// The commands whose replies redis-cli prints raw even on a terminal (redis-cli.c, `output_raw`).
const rawAlways = new Set(["info", "lolwut"]);
const rawSubcommands: Record<string, string[]> = {
  debug: ["htstats", "htstats-key", "client-eviction"],
  memory: ["malloc-stats", "doctor"],
  cluster: ["nodes", "info"],
  client: ["list", "info"],
  latency: ["graph", "doctor"],
};

/** Whether redis-cli prints this command's reply raw: INFO as lines, not one quoted string full of `\r\n`. */
export function printsRaw(args: string[]): boolean {
  const [name = "", sub = ""] = args.map((a) => a.toLowerCase());
  return rawAlways.has(name) || (rawSubcommands[name]?.includes(sub) ?? false);
}

/** What `HELP` alone prints: redis-cli's own text, less what a browser has no use for. */
export const helpOverview = [
  "To get help about Redis commands type:",
  '      "help @<group>" to get a list of commands in <group>',
  '      "help <command>" for help on <command>',
  '      "help <tab>" to get a list of possible help topics',
  '      "quit" to exit',
  "",
  'The console also knows "clear" (clear the screen); Tab completes command names.',
].join("\n");
