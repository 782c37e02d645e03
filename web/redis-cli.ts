// The browser console: redis-cli's argument parsing and reply formatting, over the GraphQL command API.
// Bundled by esbuild for the page; the pure functions are exported for the tests.

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

/** Quotes a bulk string as redis-cli does (sdscatrepr). */
export function quote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch === "\\" || ch === '"') out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
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

/** Sends commands as one mutation; replies come back with `value` parsed from AWSJSON. */
export async function sendCommands(url: string, apiKey: string, commands: string[][]): Promise<Reply[]> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    body: JSON.stringify({ query: runMutation, variables: { commands } }),
  });
  const body = (await response.json().catch(() => ({}))) as { data?: { run?: Reply[] }; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  if (!response.ok || !body.data?.run) throw new Error(`HTTP ${response.status}`);
  return body.data.run.map((r) => ({ ...r, value: typeof r.value === "string" ? JSON.parse(r.value) : r.value }));
}

function startConsole(): void {
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const urlInput = $<HTMLInputElement>("url");
  const keyInput = $<HTMLInputElement>("key");
  const screen = $<HTMLPreElement>("screen");
  const input = $<HTMLInputElement>("command");
  const prompt = $<HTMLSpanElement>("prompt");
  const history: string[] = JSON.parse(localStorage.getItem("redis-cli-history") ?? "[]");
  let cursor = history.length;

  // Served by the local stack, the API is next door; opened as a file, the user pastes AppSync's URL.
  const sameOrigin = window.location.protocol.startsWith("http") ? new URL("/graphql", window.location.href).href : "";
  urlInput.value = localStorage.getItem("redis-cli-url") ?? sameOrigin;
  keyInput.value = new URLSearchParams(window.location.hash.slice(1)).get("key") ?? localStorage.getItem("redis-cli-key") ?? "";

  const print = (text: string, className = "") => {
    const line = document.createElement("div");
    line.textContent = text;
    if (className) line.className = className;
    screen.appendChild(line);
    screen.scrollTop = screen.scrollHeight;
  };

  const run = async (lines: string[]) => {
    const commands: string[][] = [];
    for (const line of lines) {
      print(`${prompt.textContent}${line}`, "echo");
      const args = parseCommandLine(line);
      if (args === undefined) print("Invalid argument(s)", "error");
      else if (args.length) commands.push(args);
      history.push(line);
    }
    localStorage.setItem("redis-cli-history", JSON.stringify(history.slice(-200)));
    cursor = history.length;
    if (!commands.length) return;
    try {
      for (const reply of await sendCommands(urlInput.value, keyInput.value, commands)) print(formatReply(reply), reply.type === "ERROR" ? "error" : "reply");
    } catch (error) {
      print(`(error) ${(error as Error).message}`, "error");
    }
  };

  $<HTMLFormElement>("connect").addEventListener("submit", async (event) => {
    event.preventDefault();
    localStorage.setItem("redis-cli-url", urlInput.value);
    localStorage.setItem("redis-cli-key", keyInput.value);
    try {
      await sendCommands(urlInput.value, keyInput.value, [["PING"]]);
      prompt.textContent = `${new URL(urlInput.value).host}> `;
      print(`Connected to ${urlInput.value}`, "info");
      document.body.classList.add("connected");
      input.focus();
    } catch (error) {
      print(`Could not connect: ${(error as Error).message}`, "error");
    }
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const line = input.value;
      input.value = "";
      void run([line]);
    } else if (event.key === "ArrowUp" && cursor > 0) {
      input.value = history[--cursor];
      event.preventDefault();
    } else if (event.key === "ArrowDown") {
      cursor = Math.min(history.length, cursor + 1);
      input.value = history[cursor] ?? "";
      event.preventDefault();
    }
  });
  // A pasted block of several lines goes as one mutation: one round trip, replies in order.
  input.addEventListener("paste", (event) => {
    const text = event.clipboardData?.getData("text") ?? "";
    if (!text.includes("\n")) return;
    event.preventDefault();
    void run(text.split(/\r?\n/).filter((l) => l.trim() !== ""));
  });
}

if (typeof document !== "undefined") startConsole();
