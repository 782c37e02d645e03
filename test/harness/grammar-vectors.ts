// Random well-formed argument vectors from a command's documented grammar, for the differential test
// of the gateway's parse against the engine's own key lookup (COMMAND GETKEYS). A command's options
// come in a shuffled order, as the engine takes them (inside a block they keep theirs, and a list that
// takes the rest, STREAMS's, stays last); `numkeys` counts its list, and a STREAMS block has as many
// ids as keys. Values never spell a token, so a vector has one reading.
import type { ArgumentDoc, CommandDoc } from "../../domain/redis/command-docs.js";
import { isOption } from "../../domain/redis/argument-shapes.js";

type Random = () => number;

const words = ["v", "x1", "abc", "9z"];

class Vector {
  readonly args: string[] = [];
  private keys = 0;

  constructor(private readonly next: Random) {}

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }
  private chance(p = 0.5) {
    return this.next() < p;
  }

  sequence(items: ArgumentDoc[], top = false): void {
    for (let i = 0; i < items.length;) {
      if (isOption(items[i])) {
        let j = i;
        while (j < items.length && isOption(items[j])) j++;
        // A run of options: each one in or out, then (the command's own) in a shuffled order.
        const run = items.slice(i, j).filter((a) => !a.flags.includes("optional") || this.chance());
        for (let k = run.length - 1; top && k > 0; k--) {
          const r = Math.floor(this.next() * (k + 1));
          [run[k], run[r]] = [run[r], run[k]];
        }
        const takesTheRest = (a: ArgumentDoc) => a.type === "block" && a.arguments.length === 2 && a.arguments.every((x) => x.flags.includes("multiple"));
        [...run.filter((a) => !takesTheRest(a)), ...run.filter(takesTheRest)].forEach((a) => this.item(a));
        i = j;
        continue;
      }
      const item = items[i];
      // numkeys counts the list after it: both are written here.
      if (item.name === "numkeys" && items[i + 1]?.flags.includes("multiple")) {
        const list = items[i + 1];
        const n = list.flags.includes("optional") ? Math.floor(this.next() * 3) : 1 + Math.floor(this.next() * 3);
        this.args.push(String(n));
        for (let k = 0; k < n; k++) this.body(list);
        i += 2;
        continue;
      }
      if (!item.flags.includes("optional") || this.chance()) this.item(item);
      i++;
    }
  }

  private item(arg: ArgumentDoc): void {
    if (!arg.flags.includes("multiple")) return this.once(arg);
    const perToken = arg.flags.includes("multiple_token");
    if (arg.token !== undefined && !perToken) this.args.push(arg.token);
    const n = 1 + Math.floor(this.next() * 3);
    for (let k = 0; k < n; k++) {
      if (perToken) this.once(arg);
      else this.body(arg);
    }
  }

  private once(arg: ArgumentDoc): void {
    if (arg.token !== undefined && arg.type !== "pure-token") this.args.push(arg.token);
    this.body(arg);
  }

  private body(arg: ArgumentDoc): void {
    switch (arg.type) {
      case "pure-token":
        return void this.args.push(arg.token ?? "");
      case "oneof":
        return this.item(this.pick(arg.arguments));
      case "block": {
        const [first, second] = arg.arguments;
        if (arg.arguments.length === 2 && first.flags.includes("multiple") && second.flags.includes("multiple")) {
          const n = 1 + Math.floor(this.next() * 3);
          for (let k = 0; k < n; k++) this.body(first);
          for (let k = 0; k < n; k++) this.body(second);
          return;
        }
        return this.sequence(arg.arguments);
      }
      case "key":
        return void this.args.push(`key:${++this.keys}`);
      case "integer":
      case "unix-time":
        return void this.args.push(String(1 + Math.floor(this.next() * 9)));
      case "double":
        return void this.args.push("1.5");
      case "pattern":
        return void this.args.push("p:*");
      default:
        return void this.args.push(this.pick(words));
    }
  }
}

/** One vector for `doc` (a command, or a subcommand: `prefix` holds the container's name first). */
export function wellFormed(prefix: string[], doc: CommandDoc, next: Random): string[] {
  const vector = new Vector(next);
  vector.sequence(doc.arguments, true);
  return [...prefix, ...vector.args];
}
