// What the console knows of the server's commands, read from the server itself (COMMAND LIST and
// COMMAND DOCS through the command API): names for Tab, docs for hints and HELP.
import { parseDocs, type CommandDoc } from "./command-help.js";
import type { Reply } from "./cli-format.js";

/** A typed reply as plain values (strings, numbers, nested lists), as COMMAND DOCS is parsed from. */
const plain = (reply: Reply): unknown =>
  reply.type === "ARRAY" ? (reply.value as Reply[]).map(plain) : reply.value instanceof Uint8Array ? new TextDecoder().decode(reply.value) : reply.value;

/** What the console knows of the server's commands: names for Tab, docs fetched once per command for hints and HELP. */
export class CommandDocs {
  names: string[] = [];
  private docs = new Map<string, Promise<CommandDoc | undefined>>();
  private everything: Promise<Record<string, CommandDoc>> | undefined;

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

  /**
   * Every command's doc, fetched once for HELP @group and HELP <Tab>: COMMAND DOCS of 16 names at a time
   * (the gateway bounds it there), all in one request.
   */
  all(): Promise<Record<string, CommandDoc>> {
    const chunks: string[][] = [];
    for (let i = 0; i < this.names.length; i += 16) chunks.push(["COMMAND", "DOCS", ...this.names.slice(i, i + 16)]);
    this.everything ??= this.send(chunks).then((replies) =>
      replies.reduce<Record<string, CommandDoc>>((all, r) => (r.type === "ARRAY" ? { ...all, ...parseDocs(plain(r)) } : all), {}),
    );
    return this.everything;
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
