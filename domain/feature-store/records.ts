// Streaming parser for recommendation files: the original's pandas `orient="table"` JSON
// (`{"data":[{"movieId":[2012,553],"userId":1},...],"schema":{...}}`) and JSON Lines
// (`{"userId":1,"movieId":[2012,553]}` a line). Memory holds one record at a time, never the file.

export interface Recommendation {
  userId: string;
  /** Ranked, best first. */
  movieIds: string[];
}

export interface BadRecord {
  /** 1-based line of the record's first character. */
  line: number;
  /** 1-based position of the record in the file. */
  record: number;
  reason: string;
  /** The file as a whole is unusable (truncated, or not a recommendations file): nothing of it may be published. */
  wholeFile?: true;
}

export type ParsedRecord = { ok: true; value: Recommendation; line: number } | { ok: false; bad: BadRecord };

const id = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) || (typeof v === "string" && /^[A-Za-z0-9_.:-]{1,128}$/.test(v));
/** Users are numbered (the reader serves `?userId=1`): a number, or a string of digits. */
const userNumber = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) || (typeof v === "string" && /^[0-9]{1,19}$/.test(v));

/** Validates one decoded record; the reason names the field that is wrong. */
export function toRecommendation(raw: unknown): Recommendation | string {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return "record is not a JSON object";
  const { userId, movieId } = raw as { userId?: unknown; movieId?: unknown };
  if (userId === undefined) return "userId is missing";
  if (!userNumber(userId)) return `userId ${JSON.stringify(userId)} is not a non-negative integer`;
  if (!Array.isArray(movieId)) return `movieId must be a list of movie ids, got ${movieId === undefined ? "nothing" : typeof movieId}`;
  const badMovie = movieId.findIndex((m) => !id(m));
  if (badMovie >= 0) return `movieId[${badMovie}] ${JSON.stringify(movieId[badMovie])} is not a movie id`;
  return { userId: String(userId), movieIds: movieId.map(String) };
}

/** Parses a stream of text chunks in either format, yielding each record as soon as it is complete. */
export async function* parseRecommendations(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<ParsedRecord> {
  let format: "table" | "lines" | undefined;
  let pending = "";
  const scanner = new TableScanner();
  const lines = new LineSplitter();
  for await (const raw of chunks) {
    const chunk = typeof raw === "string" ? raw : raw.toString("utf8");
    if (!format) {
      pending += chunk;
      // Only the new chunk can hold the first newline (looking in all of `pending` each time is quadratic).
      if (!chunk.includes("\n") && pending.length < 1 << 20) continue;
      format = looksLikeJsonLine(pending.split("\n", 1)[0]) ? "lines" : "table";
      yield* format === "lines" ? lines.push(pending) : scanner.push(pending);
      pending = "";
      continue;
    }
    yield* format === "lines" ? lines.push(chunk) : scanner.push(chunk);
  }
  if (!format) {
    format = looksLikeJsonLine(pending.trim()) ? "lines" : "table";
    yield* format === "lines" ? lines.push(pending) : scanner.push(pending);
  }
  yield* format === "lines" ? lines.end() : scanner.end();
}

function looksLikeJsonLine(line: string): boolean {
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    return typeof value === "object" && value !== null && "userId" in value;
  } catch {
    return false;
  }
}

// The common record as the nightly job writes it, in either key order, with integer ids of at most 15
// digits (JSON's own integer syntax, so nothing JSON.parse would refuse passes): read without building
// objects. Anything else goes through JSON.parse and the field checks.
const integer = "(?:0|[1-9][0-9]{0,14})";
const list = `((?:${integer}(?:,${integer})*)?)`;
const plainRecord = new RegExp(`^\\{"(?:movieId":\\[${list}\\],"userId":(${integer})|userId":(${integer}),"movieId":\\[${list}\\])\\}$`);

function decode(text: string, line: number, record: number): ParsedRecord {
  const plain = plainRecord.exec(text);
  if (plain) {
    const movies = plain[1] ?? plain[4];
    return { ok: true, value: { userId: plain[2] ?? plain[3], movieIds: movies ? movies.split(",") : [] }, line };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, bad: { line, record, reason: `not valid JSON (${(error as Error).message})` } };
  }
  const value = toRecommendation(raw);
  return typeof value === "string" ? { ok: false, bad: { line, record, reason: value } } : { ok: true, value, line };
}

class LineSplitter {
  private rest = "";
  private line = 0;
  private record = 0;

  *push(chunk: string): Generator<ParsedRecord> {
    const parts = (this.rest + chunk).split("\n");
    this.rest = parts.pop()!;
    for (const part of parts) yield* this.one(part);
  }

  *end(): Generator<ParsedRecord> {
    if (this.rest) yield* this.one(this.rest);
    this.rest = "";
  }

  private *one(text: string): Generator<ParsedRecord> {
    this.line++;
    if (text.trim() === "") return;
    yield decode(text, this.line, ++this.record);
  }
}

/**
 * Finds the elements of the top-level `data` array with a small state machine (strings, escapes,
 * depth), so a file of any size streams through; each element is decoded on its own, so one bad
 * record does not stop the others.
 */
class TableScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private record = 0;
  private lastKey = "";
  private keyText = "";
  private inData = false;
  private element: string[] = [];
  private elementLine = 0;
  private capturing = false;
  private sawData = false;

  *push(chunk: string): Generator<ParsedRecord> {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === "\n") this.line++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === "\\") this.escaped = true;
        else if (c === '"') this.inString = false;
        if (this.depth === 1 && !this.capturing) this.keyText += c;
        continue;
      }
      if (c === '"') {
        this.inString = true;
        if (this.depth === 1) this.keyText = "";
        continue;
      }
      if (this.depth === 1 && c === ":") this.lastKey = this.keyText.slice(0, -1);
      if (c === "{" || c === "[") {
        this.depth++;
        if (this.depth === 2 && c === "[" && this.lastKey === "data") {
          this.inData = true;
          this.sawData = true;
        } else if (this.depth === 3 && this.inData) {
          this.capturing = true;
          this.elementLine = this.line;
          start = i;
        }
      } else if (c === "}" || c === "]") {
        if (this.depth === 3 && this.inData && this.capturing) {
          this.element.push(chunk.slice(start, i + 1));
          this.capturing = false;
          yield decode(this.element.join(""), this.elementLine, ++this.record);
          this.element = [];
        }
        if (this.depth === 2 && this.inData) this.inData = false;
        this.depth--;
      } else if (this.depth === 2 && this.inData && !/[\s,]/.test(c)) {
        // A scalar where a record object should be.
        this.record++;
        yield { ok: false, bad: { line: this.line, record: this.record, reason: "record is not a JSON object" } };
      }
    }
    if (this.capturing) {
      this.element.push(chunk.slice(start));
    }
  }

  *end(): Generator<ParsedRecord> {
    if (this.capturing || this.depth !== 0) {
      const reason = this.capturing ? "file ends inside a record (truncated?)" : "file ends before its JSON closes (truncated?)";
      yield { ok: false, bad: { line: this.line, record: this.record + 1, reason, wholeFile: true } };
    } else if (!this.sawData) {
      const reason = 'no "data" list found: expected pandas orient="table" JSON or JSON Lines';
      yield { ok: false, bad: { line: this.line, record: 0, reason, wholeFile: true } };
    }
  }
}
