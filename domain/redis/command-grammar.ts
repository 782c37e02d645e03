// A command's arguments parsed against its documented grammar (COMMAND DOCS: tokens, optional,
// multiple, oneof, block; key, integer, double, pattern, unix-time). Keys, counts, offsets and patterns
// are read from the parse, never guessed from positions: the engine applies an option given twice
// last-wins while its own key specs stop at the first, so a singleton option given twice is refused.
// Positional arguments come in order; a run of token-led options comes in any order, as the engine
// reads them. Pure: the gateway's classifier and bounds, and the console's hints, use it.
import { following, flagged, isOption, multiple, optional, pairedLists, startTokens, upper, type After } from "./argument-shapes.js";
import type { ArgumentDoc, CommandDoc } from "./command-docs.js";

/** One argument value the parse matched. */
export interface ParsedValue {
  /** The documented argument's name: `key`, `count`, `destination`, `storekey`. */
  name: string;
  /** `key`, `string`, `integer`, `double`, `pattern`, `unix-time`, or `pure-token`. */
  type: string;
  /** The token the value follows (or is, for a pure token), or that opens the block it is in, upper case. */
  token?: string;
  /** Index into the command's arguments (the command name is 0). */
  index: number;
  value: string;
  /** For a key: which of the command's key specs it is. */
  keySpecIndex?: number;
  /** Names of the enclosing blocks and oneofs, outermost first. */
  path: string[];
}

export interface ParsedCommand {
  values: ParsedValue[];
  /** Every key the command names, in argument order (repeats included). */
  keys: ParsedValue[];
  /** The values of the arguments named `name`, or following (or being) the token `name`. */
  get(name: string): ParsedValue[];
  /** Whether the pure token or option `token` was given. */
  has(token: string): boolean;
}

/** The arguments do not fit the grammar (`syntax`), or a singleton option is given twice (`duplicate`). */
export class GrammarError extends Error {
  override name = "GrammarError";
  constructor(
    message: string,
    readonly kind: "syntax" | "duplicate",
  ) {
    super(message);
  }
}

type Continue = (pos: number) => boolean;

class Parser {
  readonly values: ParsedValue[] = [];
  /** The count a `numkeys` argument gave the list that follows it. */
  private counted?: number;
  private furthest = 0;
  private expected = "";

  constructor(
    private readonly command: string,
    private readonly args: string[],
    /** For hints: the words typed so far are a prefix; running out of them anywhere is a success. */
    private readonly partial = false,
  ) {}

  parse(doc: CommandDoc, first: number): boolean {
    return this.sequence(doc.arguments, 0, first, [], { min: 0, stops: new Set() }, (pos) => this.atEnd(pos));
  }

  error(): GrammarError {
    const at = this.furthest;
    const word = this.args[at];
    return new GrammarError(
      word === undefined
        ? `ERR syntax error in '${this.command}': ${this.expected || "more arguments"} expected after argument ${at - 1}`
        : `ERR syntax error in '${this.command}': unexpected argument '${word.slice(0, 64)}' at position ${at}${this.expected ? ` (expected ${this.expected})` : ""}`,
      "syntax",
    );
  }

  private atEnd(pos: number): boolean {
    if (pos === this.args.length) return true;
    return this.fail(pos, "");
  }

  /** Out of arguments where `expected` should come: a failure, or the end of a typed prefix. */
  private missing(pos: number, expected: string): boolean {
    return this.partial && pos >= this.args.length ? true : this.fail(pos, expected);
  }

  private fail(pos: number, expected: string): false {
    if (pos > this.furthest || (pos === this.furthest && !this.expected)) {
      this.furthest = pos;
      this.expected = expected;
    }
    return false;
  }

  /** Tries `attempt`; on failure the values it recorded are taken back. */
  private attempt(run: () => boolean): boolean {
    const mark = this.values.length;
    const counted = this.counted;
    if (run()) return true;
    this.values.length = mark;
    this.counted = counted;
    return false;
  }

  private sequence(items: ArgumentDoc[], i: number, pos: number, path: string[], after: After, next: Continue): boolean {
    if (i >= items.length) return next(pos);
    if (isOption(items[i])) {
      let j = i;
      while (j < items.length && isOption(items[j])) j++;
      const run = items.slice(i, j);
      return this.options(run, new Set(), pos, path, following(items.slice(j), after), (p) => this.sequence(items, j, p, path, after, next));
    }
    return this.item(items[i], pos, path, following(items.slice(i + 1), after), (p) => this.sequence(items, i + 1, p, path, after, next));
  }

  /** A run of token-led options, in any order; each at most once unless it is documented as repeatable. */
  private options(run: ArgumentDoc[], used: Set<ArgumentDoc>, pos: number, path: string[], after: After, next: Continue): boolean {
    const word = upper(this.args[pos]);
    // The first member that may take the word and is still free (LMOVE's two LEFT|RIGHT options), else the one that had it.
    const takers = word === undefined ? [] : run.filter((m) => startTokens(m)!.has(word));
    const member = takers.find((m) => !used.has(m)) ?? takers[0];
    const end = () => {
      const absent = run.find((m) => !optional(m) && !used.has(m));
      return absent ? this.missing(pos, [...startTokens(absent)!].join(" or ")) : next(pos);
    };
    if (!member) return end();
    // Repeatable: a list whose every item carries the token (SORT's GET), or a token-less list of token-led items (BITFIELD's operations).
    const repeatable = multiple(member) && (flagged(member, "multiple_token") || member.token === undefined);
    if (used.has(member) && !repeatable) {
      // The word may be the value of what follows the run (LINSERT key BEFORE BEFORE x); otherwise the
      // option is given twice, which the engine would apply last-wins while its key specs read the first.
      if (this.attempt(end)) return true;
      throw new GrammarError(`ERR command '${this.command}' is not allowed: ${word} is given twice (the server would act on the last)`, "duplicate");
    }
    const others = { min: after.min, stops: new Set([...after.stops, ...run.flatMap((m) => [...startTokens(m)!])]) };
    // An option that takes no argument would loop the run for ever: it must move on.
    return (
      this.attempt(() => this.item(member, pos, path, others, (p) => p > pos && this.options(run, new Set([...used, member]), p, path, after, next))) || end()
    );
  }

  /** One documented argument with its flags: optional, multiple (a token once, or per repetition). */
  private item(arg: ArgumentDoc, pos: number, path: string[], after: After, next: Continue): boolean {
    if (multiple(arg)) return this.list(arg, pos, path, after, next);
    if (optional(arg) && !startTokens(arg)) return this.attempt(() => this.once(arg, pos, path, after, next)) || next(pos);
    return this.once(arg, pos, path, after, next);
  }

  /** A repeated argument: as many as `numkeys` said, else values up to the next option token, leaving what follows its due. */
  private list(arg: ArgumentDoc, pos: number, path: string[], after: After, next: Continue): boolean {
    const perToken = flagged(arg, "multiple_token");
    let p = pos;
    if (arg.token !== undefined && !perToken) {
      if (upper(this.args[p]) !== upper(arg.token)) return this.missing(p, arg.token);
      p++;
    }
    const counted = this.counted;
    this.counted = undefined;
    // A token-less list of token-led items (BITFIELD's operations) goes on while its own tokens come.
    const own = arg.token === undefined ? (startTokens(arg) ?? new Set<string>()) : new Set<string>();
    const stops = new Set([...after.stops].filter((t) => !own.has(t)));
    const least = counted ?? (optional(arg) && arg.token === undefined ? 0 : 1);
    const repeat = (at: number) =>
      perToken ? this.once(arg, at, path, after, (end) => ((p = end), true)) : this.body(arg, at, path, after, (end) => ((p = end), true));
    for (let n = 0; ; n++) {
      if (n >= least) {
        const word = upper(this.args[p]);
        if (counted !== undefined ? n === counted : word === undefined || (perToken ? word !== upper(arg.token) : stops.has(word))) break;
      }
      const start = p;
      const mark = this.values.length;
      if (!this.attempt(() => repeat(start)) || p === start) {
        if (n < least) return this.missing(start, arg.name);
        break;
      }
      // Leave the arguments what follows needs (DEL key [key ...] takes them all; a list before a required value stops short).
      if (counted === undefined && n + 1 > least && this.args.length - p < after.min) {
        this.values.length = mark;
        p = start;
        break;
      }
    }
    if (counted === 0 && !optional(arg)) return this.fail(p, `at least one ${arg.name} (numkeys is 0)`);
    return next(p);
  }

  /** The token (when the argument has one) and the body. */
  private once(arg: ArgumentDoc, pos: number, path: string[], after: After, next: Continue): boolean {
    if (arg.token === undefined || arg.type === "pure-token") return this.body(arg, pos, path, after, next);
    if (upper(this.args[pos]) !== upper(arg.token)) return this.missing(pos, arg.token);
    return this.body(arg, pos + 1, path, after, next, upper(arg.token));
  }

  private body(arg: ArgumentDoc, pos: number, path: string[], after: After, next: Continue, token?: string): boolean {
    // A block's or oneof's values carry the token that opened it (LIMIT's offset and count), whatever the engine names the block.
    const inner = [...path, token ? `${arg.name}@${token}` : arg.name];
    if (arg.type === "oneof") return arg.arguments.some((alternative) => this.attempt(() => this.item(alternative, pos, inner, after, next)));
    if (arg.type === "block" && pairedLists(arg)) return this.pairs(arg, pos, inner, after, next);
    if (arg.type === "block") return this.sequence(arg.arguments, 0, pos, inner, after, next);
    const word = this.args[pos];
    if (word === undefined) return this.missing(pos, arg.token ?? arg.name);
    if (arg.type === "pure-token") {
      if (upper(word) !== upper(arg.token ?? "")) return this.fail(pos, arg.token === "" ? '""' : (arg.token ?? arg.name));
      this.record(arg, pos, path, upper(arg.token));
      return next(pos + 1);
    }
    this.record(arg, pos, path, token);
    if (arg.name === "numkeys") {
      if (!/^\d{1,9}$/.test(word)) throw new GrammarError(`ERR syntax error in '${this.command}': numkeys '${word.slice(0, 32)}' is not a count`, "syntax");
      this.counted = Number(word);
    }
    return next(pos + 1);
  }

  /** `key [key ...] id [id ...]`: the lists split what is left in half. */
  private pairs(arg: ArgumentDoc, pos: number, path: string[], after: After, next: Continue): boolean {
    const [first, second] = arg.arguments;
    const left = this.args.length - pos - after.min;
    if (this.partial && left % 2 !== 0) return true;
    if (left < 2 || left % 2 !== 0) return this.fail(pos + Math.max(left, 0), `as many ${second.name}s as ${first.name}s`);
    const n = left / 2;
    for (let i = 0; i < n; i++) this.record(first, pos + i, path);
    for (let i = 0; i < n; i++) this.record(second, pos + n + i, path);
    return next(pos + 2 * n);
  }

  private record(arg: ArgumentDoc, index: number, path: string[], own?: string) {
    const token = own ?? path.findLast((p) => p.includes("@"))?.split("@")[1];
    this.values.push({
      name: arg.name,
      type: arg.type,
      ...(token ? { token } : {}),
      index,
      value: this.args[index],
      ...(arg.keySpecIndex !== undefined ? { keySpecIndex: arg.keySpecIndex } : {}),
      path: path.map((p) => p.split("@")[0]),
    });
  }
}

/**
 * Parses `args` (the whole command, name first) against `doc`, whose arguments start at `first` (1, or 2
 * for a subcommand). Throws GrammarError naming what does not fit, or the option given twice.
 */
export function parseArguments(command: string, doc: CommandDoc, args: string[], first: number): ParsedCommand {
  const parser = new Parser(command, args);
  if (!parser.parse(doc, first)) throw parser.error();
  const values = parser.values;
  return {
    values,
    keys: values.filter((v) => v.type === "key"),
    get: (name) => {
      const wanted = name.toUpperCase();
      return values.filter((v) => v.name === name || (v.token === wanted && v.type !== "pure-token"));
    },
    has: (token) => values.some((v) => v.token === token.toUpperCase()),
  };
}

/**
 * The documented arguments still to come after `typed` (the words after the command name), for the
 * console's hint: those not given that come after the last positional given.
 */
export function remainingArguments(doc: CommandDoc, typed: string[]): ArgumentDoc[] {
  const parser = new Parser("hint", ["hint", ...typed], true);
  try {
    if (!parser.parse(doc, 1)) return [];
  } catch {
    return []; // an option typed twice: nothing to suggest
  }
  const given = (arg: ArgumentDoc) => parser.values.some((v) => (v.path.length === 0 ? v.name === arg.name : v.path[0] === arg.name));
  const lastPositional = doc.arguments.findLastIndex((arg) => !startTokens(arg) && given(arg));
  return doc.arguments.filter((arg, i) => i > lastPositional && !given(arg));
}
