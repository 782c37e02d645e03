// The browser console: redis-cli over the GraphQL command API. Bundled by esbuild for the page; the
// pure parts (parsing, formatting, help) live beside it for the tests.
import { completeCommand, helpGroup, helpText, helpTopics, hintFor } from "./command-help.js";
import { CommandDocs } from "./command-docs.js";
import { formatRaw, formatReply, helpOverview, NotTextArgument, parseCommandLine, printsRaw, type Reply } from "./cli-format.js";

import { sendCommands } from "./command-api-client.js";
import { readSubscription } from "./subscription-client.js";

export { formatReply, parseCommandLine, quote, type Reply } from "./cli-format.js";
export { sendCommands } from "./command-api-client.js";

/** What a page opened without a key says: where the key is. */
const missingKey =
  "No API key. Locally, open the consoleUrl that make dev prints (also in .dev/endpoints.json): its #key= fragment carries the key. " +
  "In AWS, paste the GraphQL URL and the api_key output of make apply above, then Connect.";

/** The page's elements, its history and its docs, and what each key and paste does. */
class Console {
  private readonly $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  private readonly urlInput = this.$<HTMLInputElement>("url");
  private readonly keyInput = this.$<HTMLInputElement>("key");
  /** SUBSCRIBE and PSUBSCRIBE stream from the REST endpoint (rest_streaming_url in AWS), with a REST token. */
  private readonly restInput = this.$<HTMLInputElement>("rest");
  private readonly tokenInput = this.$<HTMLInputElement>("token");
  /** The subscription being read, which Ctrl-C ends. */
  private subscription?: AbortController;
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
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    this.keyInput.value = fragment.get("key") || localStorage.getItem("redis-cli-key") || "";
    this.restInput.value = fragment.get("rest") || localStorage.getItem("redis-cli-rest") || "";
    this.tokenInput.value = fragment.get("token") || localStorage.getItem("redis-cli-token") || "";
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
    else this.print(missingKey, "info");
  }

  private print(text: string, className = ""): void {
    const line = document.createElement("div");
    line.textContent = text;
    if (className) line.className = className;
    this.screen.appendChild(line);
    this.screen.scrollTop = this.screen.scrollHeight;
  }

  /** redis-cli answers HELP itself, from the server's COMMAND DOCS: HELP, HELP @group, HELP <command>. */
  private async help(args: string[]): Promise<void> {
    if (args.length === 0) return this.print(helpOverview, "info");
    if (args[0].startsWith("@")) return this.print(helpGroup(args[0].slice(1), await this.docs.all()) || `No commands in ${args[0]}`, "info");
    const found = await this.docs.ofLine(args);
    this.print(found ? helpText(found.name, found.doc) : `No help for ${args.join(" ")}`, "info");
  }

  /**
   * Runs typed or pasted lines in order, each reply under its command: the Redis commands between two
   * of the console's own (help, clear, quit) go as one mutation, one round trip.
   */
  private async run(lines: string[]): Promise<void> {
    let pending: { line: string; args: string[] }[] = [];
    const flush = async () => {
      const batch = pending;
      pending = [];
      if (batch.length) await this.runBatch(batch);
    };
    for (const line of lines) {
      this.remember(line);
      let args: string[] | undefined;
      try {
        args = parseCommandLine(line);
      } catch (error) {
        if (!(error instanceof NotTextArgument)) throw error;
        await flush();
        this.echo(line);
        this.print(`(error) ${error.message}`, "error");
        continue;
      }
      const name = args?.[0]?.toLowerCase();
      if (args && args.length && !["help", "clear", "quit", "exit", "subscribe", "psubscribe"].includes(name!)) {
        pending.push({ line, args });
        continue;
      }
      await flush();
      this.echo(line);
      if (args === undefined) this.print("Invalid argument(s)", "error");
      else if (name === "help") await this.help(args.slice(1));
      else if (name === "subscribe" || name === "psubscribe") await this.subscribe(name, args.slice(1));
      else if (name === "clear") this.screen.replaceChildren();
      else if (name === "quit" || name === "exit") this.disconnect();
    }
    await flush();
  }

  private async runBatch(batch: { line: string; args: string[] }[]): Promise<void> {
    let replies: Reply[] | undefined;
    let failure: string | undefined;
    try {
      replies = await sendCommands(
        this.urlInput.value,
        this.keyInput.value,
        batch.map((b) => b.args),
      );
    } catch (error) {
      failure = `(error) ${(error as Error).message}`;
    }
    for (const [i, { line, args }] of batch.entries()) {
      this.echo(line);
      const reply = replies?.[i];
      if (!reply) this.print(failure ?? "(error) no reply", "error");
      else this.print(printsRaw(args) ? formatRaw(reply) : formatReply(reply), reply.type === "ERROR" ? "error" : "reply");
    }
  }

  /** Prints each message as redis-cli does until Ctrl-C; the stream (and Redis's subscriber) ends with it. */
  private async subscribe(kind: "subscribe" | "psubscribe", names: string[]): Promise<void> {
    if (names.length === 0) return this.print(`(error) ERR wrong number of arguments for '${kind}' command`, "error");
    if (!this.restInput.value || !this.tokenInput.value)
      return this.print(
        `(error) ${kind.toUpperCase()} streams from the REST endpoint: fill in its URL (rest_streaming_url in AWS) and a REST token above`,
        "error",
      );
    localStorage.setItem("redis-cli-rest", this.restInput.value);
    localStorage.setItem("redis-cli-token", this.tokenInput.value);
    const controller = (this.subscription = new AbortController());
    this.print("Reading messages... (press Ctrl-C to quit)", "info");
    try {
      await readSubscription(
        this.restInput.value,
        this.tokenInput.value,
        kind,
        names,
        { reply: (reply) => this.print(formatReply(reply), "reply"), comment: (text) => this.print(text, "info") },
        controller.signal,
      );
    } catch (error) {
      this.print(`(error) ${(error as Error).message}`, "error");
    } finally {
      this.subscription = undefined;
    }
  }

  private echo(line: string): void {
    this.print(`${this.prompt.textContent}${line}`, "echo");
  }

  private remember(line: string): void {
    this.history.push(line);
    localStorage.setItem("redis-cli-history", JSON.stringify(this.history.slice(-200)));
    this.cursor = this.history.length;
  }

  /** quit / exit: the session ends as redis-cli's does; Connect (or a reload) starts another. */
  private disconnect(): void {
    document.body.classList.remove("connected");
    this.print("Disconnected. Press Connect (or reload the page) to start again.", "info");
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

  /** Tab: the command name, or after `help ` a topic (`@group` or a command), cycling on each Tab. */
  private async complete(): Promise<void> {
    const { input } = this;
    const words = input.value.split(" ");
    const topic = words.length === 2 && words[0].toLowerCase() === "help";
    if (words.length > 1 && !topic) return; // only the command name, or HELP's topic, completes
    this.completing ??= { prefix: words[words.length - 1] };
    if (topic) {
      const topics = helpTopics(await this.docs.all());
      const matches = topics.filter((t) => t.startsWith(this.completing!.prefix.toLowerCase()));
      const at = this.completing.current === undefined ? -1 : matches.indexOf(this.completing.current);
      this.completing.current = matches[(at + 1) % Math.max(1, matches.length)];
      if (this.completing.current) input.value = `${words[0]} ${this.completing.current}`;
    } else {
      this.completing.current = completeCommand(this.completing.prefix, this.docs.names, this.completing.current);
      if (this.completing.current) input.value = this.completing.current;
    }
    void this.showHint();
  }

  /** Tab completes the command name; Enter runs the line; the arrows walk the history; Ctrl-C ends a subscription. */
  private onKey(event: KeyboardEvent): void {
    const { input, history } = this;
    if (this.subscription) {
      // As in redis-cli, a subscribed session takes no commands: only Ctrl-C, which ends it.
      if (event.ctrlKey && event.key.toLowerCase() === "c") this.subscription.abort();
      if (event.key === "Enter" || (event.ctrlKey && event.key.toLowerCase() === "c")) event.preventDefault();
      return;
    }
    if (event.key === "Tab") {
      event.preventDefault();
      void this.complete();
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
