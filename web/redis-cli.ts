// The browser console: redis-cli's argument parsing and reply formatting, over the GraphQL command API.
// Bundled by esbuild for the page; the pure functions are exported for the tests.
import { completeCommand, helpText, hintFor, parseDocs, type CommandDoc } from "./command-help.js";

export interface Reply {
  type: "STATUS" | "STRING" | "INTEGER" | "NIL" | "ARRAY" | "ERROR";
  value: unknown;
  error?: string | null;
}

/** Splits a line as redis-cli does (sdssplitargs): quotes, escapes, `\xHH`; undefined when unbalanced. */
export function parseCommandLine(line: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
  while (true) {
    while (isSpace(line[i])) i++;
    if (i >= line.length) return args;
    let current = "";
    // Inside quotes: `"` takes redis-cli's escapes (\n, \xHH, ...), `'` only \'.
    let quoted: '"' | "'" | undefined;
    for (;;) {
      const c = line[i];
      const next = line[i + 1];
      if (quoted) {
        if (c === undefined) return undefined;
        if (quoted === '"' && c === "\\" && next === "x" && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (quoted === '"' && c === "\\" && next !== undefined) {
          const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };
          current += escapes[next] ?? next;
          i++;
        } else if (quoted === "'" && c === "\\" && next === "'") {
          current += "'";
          i++;
        } else if (c === quoted) {
          // A closing quote must be followed by a space or the end of the line.
          if (next !== undefined && !isSpace(next)) return undefined;
          i++;
          break;
        } else current += c;
      } else {
        if (c === undefined || isSpace(c)) break;
        if (c === '"' || c === "'") quoted = c;
        else current += c;
      }
      i++;
    }
    args.push(current);
  }
}

/** Quotes a bulk string as redis-cli does (sdscatrepr): byte by byte, so UTF-8 beyond ASCII shows as `\xNN`. */
export function quote(value: string): string {
  const escapes: Record<number, string> = { 0x5c: "\\\\", 0x22: '\\"', 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x07: "\\a", 0x08: "\\b" };
  let out = '"';
  for (const byte of new TextEncoder().encode(value)) {
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
      return String(reply.value);
    case "STRING":
      return quote(String(reply.value));
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

const runMutation = `mutation Run($commands: [[String!]!]!) { run(commands: $commands) { type value error } }`;
const readQuery = `query Read($commands: [[String!]!]!) { read(commands: $commands) { type value error } }`;

/** Sends commands as one mutation (or, `read`, one query); replies come back with `value` parsed from AWSJSON. */
export async function sendCommands(url: string, apiKey: string, commands: string[][], read = false): Promise<Reply[]> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    body: JSON.stringify({ query: read ? readQuery : runMutation, variables: { commands } }),
  });
  const body = (await response.json().catch(() => ({}))) as { data?: Record<string, Reply[] | undefined>; errors?: { message: string }[] };
  const replies = body.data?.[read ? "read" : "run"];
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  if (!response.ok || !replies) throw new Error(`HTTP ${response.status}`);
  return replies.map((r) => ({ ...r, value: typeof r.value === "string" ? (JSON.parse(r.value) as unknown) : r.value }));
}

/** A typed reply as plain values (strings, numbers, nested lists), as COMMAND DOCS is parsed from. */
const plain = (reply: Reply): unknown => (reply.type === "ARRAY" ? (reply.value as Reply[]).map(plain) : reply.value);

/** What the console knows of the server's commands: names for Tab, docs fetched once per command for hints and HELP. */
class CommandDocs {
  names: string[] = [];
  private docs = new Map<string, Promise<CommandDoc | undefined>>();

  constructor(private readonly send: (commands: string[][]) => Promise<Reply[]>) {}

  async load(): Promise<void> {
    const [list] = await this.send([["COMMAND", "LIST"]]);
    if (list.type === "ARRAY") this.names = (plain(list) as string[]).map((n) => n.toLowerCase());
  }

  /** The doc of `name` (`config|get` for a subcommand), or undefined when the server has none. */
  get(name: string): Promise<CommandDoc | undefined> {
    const [base, sub] = name.toLowerCase().split("|");
    let doc = this.docs.get(base);
    if (!doc) {
      doc = this.send([["COMMAND", "DOCS", base]]).then(
        ([reply]) => (reply.type === "ARRAY" ? parseDocs(plain(reply))[base] : undefined),
        () => undefined,
      );
      this.docs.set(base, doc);
    }
    return sub ? doc.then((d) => d?.subcommands[`${base}|${sub}`]) : doc;
  }

  /** The doc for a typed line and the words given after its name: `CONFIG GET x` -> (config|get, ["x"]). */
  async ofLine(words: string[]): Promise<{ name: string; doc: CommandDoc; given: string[] } | undefined> {
    const doc = await this.get(words[0]);
    if (!doc) return undefined;
    const sub = words.length > 1 ? doc.subcommands[`${words[0]}|${words[1]}`.toLowerCase()] : undefined;
    if (sub) return { name: `${words[0]}|${words[1]}`, doc: sub, given: words.slice(2) };
    return { name: words[0], doc, given: words.slice(1) };
  }
}

/** The page's elements, its history and its docs, and what each key and paste does. */
class Console {
  private readonly $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  private readonly urlInput = this.$<HTMLInputElement>("url");
  private readonly keyInput = this.$<HTMLInputElement>("key");
  private readonly screen = this.$<HTMLPreElement>("screen");
  private readonly input = this.$<HTMLInputElement>("command");
  private readonly prompt = this.$<HTMLSpanElement>("prompt");
  private readonly hint = this.$<HTMLSpanElement>("hint");
  private readonly history = JSON.parse(localStorage.getItem("redis-cli-history") ?? "[]") as string[];
  private cursor = this.history.length;
  private readonly docs = new CommandDocs((commands) => sendCommands(this.urlInput.value, this.keyInput.value, commands, true));
  private hintRequest = 0;
  private completing: { prefix: string; current?: string } | undefined;

  start(): void {
    // Served by the local stack, the API is next door and the console URL's fragment names the local key
    // (never sent to a server); opened as a file, the user pastes AppSync's URL and key.
    const sameOrigin = window.location.protocol.startsWith("http") ? new URL("/graphql", window.location.href).href : "";
    this.urlInput.value = localStorage.getItem("redis-cli-url") || sameOrigin;
    this.keyInput.value = new URLSearchParams(window.location.hash.slice(1)).get("key") || localStorage.getItem("redis-cli-key") || "";
    this.$<HTMLFormElement>("connect").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.connect();
    });
    this.input.addEventListener("keydown", (event) => this.onKey(event));
    this.input.addEventListener("input", () => void this.showHint());
    // A pasted block of several lines goes as one mutation: one round trip, replies in order.
    this.input.addEventListener("paste", (event) => {
      const text = event.clipboardData?.getData("text") ?? "";
      if (!text.includes("\n")) return;
      event.preventDefault();
      void this.run(text.split(/\r?\n/).filter((l) => l.trim() !== ""));
    });
    // Connected on load when the page knows where and with which key.
    if (this.urlInput.value && this.keyInput.value) void this.connect();
  }

  private print(text: string, className = ""): void {
    const line = document.createElement("div");
    line.textContent = text;
    if (className) line.className = className;
    this.screen.appendChild(line);
    this.screen.scrollTop = this.screen.scrollHeight;
  }

  /** redis-cli answers HELP itself, from the server's COMMAND DOCS. */
  private async help(args: string[]): Promise<void> {
    if (args.length === 0) return this.print('To get help about a command: "HELP <command>". Tab completes command names.', "info");
    const found = await this.docs.ofLine(args);
    this.print(found ? helpText(found.name, found.doc) : `No help for ${args.join(" ")}`, "info");
  }

  private async run(lines: string[]): Promise<void> {
    const commands: string[][] = [];
    for (const line of lines) {
      this.print(`${this.prompt.textContent}${line}`, "echo");
      const args = parseCommandLine(line);
      if (args === undefined) this.print("Invalid argument(s)", "error");
      else if (args[0]?.toLowerCase() === "help") await this.help(args.slice(1));
      else if (args.length) commands.push(args);
      this.history.push(line);
    }
    localStorage.setItem("redis-cli-history", JSON.stringify(this.history.slice(-200)));
    this.cursor = this.history.length;
    if (!commands.length) return;
    try {
      for (const reply of await sendCommands(this.urlInput.value, this.keyInput.value, commands)) {
        this.print(formatReply(reply), reply.type === "ERROR" ? "error" : "reply");
      }
    } catch (error) {
      this.print(`(error) ${(error as Error).message}`, "error");
    }
  }

  /** The argument hint after what is typed, as redis-cli shows it once the command name is followed by a space. */
  private async showHint(): Promise<void> {
    const line = this.input.value;
    this.input.style.width = `${Math.max(1, line.length + 1)}ch`;
    const words = parseCommandLine(line);
    const request = ++this.hintRequest;
    const found = words && words.length > 0 && /\s$/.test(line) ? await this.docs.ofLine(words) : undefined;
    if (request !== this.hintRequest) return; // a newer keystroke answered first
    this.hint.textContent = found ? hintFor(found.doc, found.given) : "";
  }

  private async connect(): Promise<void> {
    localStorage.setItem("redis-cli-url", this.urlInput.value);
    localStorage.setItem("redis-cli-key", this.keyInput.value);
    try {
      await sendCommands(this.urlInput.value, this.keyInput.value, [["PING"]], true);
      this.prompt.textContent = `${new URL(this.urlInput.value).host}> `;
      this.print(`Connected to ${this.urlInput.value}`, "info");
      document.body.classList.add("connected");
      this.input.focus();
      await this.docs.load().catch(() => undefined);
    } catch (error) {
      this.print(`Could not connect: ${(error as Error).message}`, "error");
    }
  }

  /** Tab completes the command name; Enter runs the line; the arrows walk the history. */
  private onKey(event: KeyboardEvent): void {
    const { input, history } = this;
    if (event.key === "Tab") {
      event.preventDefault();
      const [first, ...rest] = input.value.split(" ");
      if (rest.length > 0) return; // only the command name completes
      this.completing ??= { prefix: first };
      this.completing.current = completeCommand(this.completing.prefix, this.docs.names, this.completing.current);
      if (this.completing.current) input.value = this.completing.current;
      void this.showHint();
      return;
    }
    this.completing = undefined;
    if (event.key === "Enter") {
      const line = input.value;
      input.value = "";
      void this.showHint();
      void this.run([line]);
    } else if (event.key === "ArrowUp" && this.cursor > 0) {
      input.value = history[--this.cursor];
      event.preventDefault();
      void this.showHint();
    } else if (event.key === "ArrowDown") {
      this.cursor = Math.min(history.length, this.cursor + 1);
      input.value = history[this.cursor] ?? "";
      event.preventDefault();
      void this.showHint();
    }
  }
}

if (typeof document !== "undefined") new Console().start();
