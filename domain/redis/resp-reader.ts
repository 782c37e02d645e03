// An incremental RESP2 reader that knows each reply's size on the wire as it arrives, and can skip the
// rest of a reply without keeping it: a reply past its caller's limit is drained, not buffered, and
// the connection carries on for everyone else. Bulk and status strings come as Buffers, integers as
// strings (no precision lost), errors as RedisReplyError values.
import { RedisUnavailable, RedisReplyError } from "./connector.js";

/** A reply: bulk and status strings as Buffers, integers as strings, errors as values. */
export type RespReply = Buffer | string | null | RespReply[] | RedisReplyError;

interface ArrayFrame {
  left: number;
  /** null while skipping. */
  items: RespReply[] | null;
}

/**
 * A length or integer line (`$5`, `*3`, `:1`) longer than this is not RESP. Status and error lines may be
 * any length (an error can echo a caller's argument): past this they are read as they stream in,
 * counted, and dropped past the caller's allowance like any other reply.
 */
const maxLineBytes = 64 * 1024;
const status = 0x2b;
const error = 0x2d;

export class RespReader {
  private pending: Buffer = Buffer.alloc(0);
  private frames: ArrayFrame[] = [];
  /** A bulk string being read: bytes still to come (its CRLF included), and its parts unless skipping. */
  private bulk?: { left: number; parts: Buffer[] | null };
  /** A status or error line longer than a chunk: its type and its parts unless skipping. */
  private line?: { type: number; parts: Buffer[] | null };
  /** Bytes of the top-level reply read so far. */
  private bytes = 0;
  private skipping = false;

  constructor(
    /** The bytes the next top-level reply may take before it is skipped (Infinity: never). */
    private readonly allowance: () => number,
    /** A top-level reply, or `undefined` when it was skipped, with its size on the wire. */
    private readonly onReply: (reply: RespReply | undefined, bytes: number) => void,
  ) {}

  /** Consumes a chunk; throws RedisUnavailable when the stream is not RESP. */
  feed(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (at < data.length) {
      if (this.bulk) {
        const take = Math.min(this.bulk.left, data.length - at);
        this.count(take);
        this.bulk.parts?.push(data.subarray(at, at + take));
        this.bulk.left -= take;
        at += take;
        if (this.bulk.left > 0) break;
        const parts = this.bulk.parts;
        this.bulk = undefined;
        this.value(parts ? Buffer.concat(parts).subarray(0, -2) : null);
        continue;
      }
      if (this.line) {
        at = this.continueLine(data, at);
        if (this.line) break;
        continue;
      }
      const end = data.indexOf("\r\n", at, "latin1");
      if (end < 0) {
        if (data.length - at <= maxLineBytes) break;
        if (data[at] !== status && data[at] !== error) throw new RedisUnavailable("unreadable reply: a length line longer than 64 KiB");
        this.count(1);
        this.line = { type: data[at], parts: this.skipping ? null : [] };
        at += 1;
        continue;
      }
      this.count(end + 2 - at);
      this.header(data[at], data.subarray(at + 1, end));
      at = end + 2;
    }
    // What is left is a header line in progress (or a long line's trailing CR); bulk bytes were taken as they came.
    data = data.subarray(at);
    this.pending = data.length ? Buffer.from(data) : Buffer.alloc(0);
  }

  /** Takes a long line's bytes up to its CRLF (a CR at the chunk's end waits for the next); returns where it stopped. */
  private continueLine(data: Buffer, at: number): number {
    const line = this.line!;
    const end = data.indexOf("\r\n", at, "latin1");
    const stop = end >= 0 ? end : data[data.length - 1] === 0x0d ? data.length - 1 : data.length;
    this.count(stop - at);
    line.parts?.push(data.subarray(at, stop));
    if (end < 0) return stop;
    this.count(2);
    this.line = undefined;
    this.simple(line.type, line.parts && Buffer.concat(line.parts));
    return end + 2;
  }

  /** Counts bytes of the current reply, and starts skipping it once it passes the allowance. */
  private count(bytes: number) {
    this.bytes += bytes;
    if (!this.skipping && this.bytes > this.allowance()) {
      this.skipping = true;
      for (const frame of this.frames) frame.items = null;
      if (this.bulk) this.bulk.parts = null;
      if (this.line) this.line.parts = null;
    }
  }

  private header(type: number, line: Buffer) {
    switch (type) {
      case status:
      case error:
        return this.simple(type, this.skipping ? null : line);
      case 0x3a: // : integer
        return this.value(line.toString("latin1"));
      case 0x24: {
        // $ bulk string
        const length = this.length(line);
        if (length < 0) return this.value(null);
        this.bulk = { left: length + 2, parts: this.skipping ? null : [] };
        return;
      }
      case 0x2a: {
        // * array
        const length = this.length(line);
        if (length < 0) return this.value(null);
        if (length === 0) return this.value(this.skipping ? null : []);
        this.frames.push({ left: length, items: this.skipping ? null : [] });
        return;
      }
      default:
        throw new RedisUnavailable(`unreadable reply: unexpected type byte 0x${type.toString(16)}`);
    }
  }

  /** A status (+) or error (-) line; null while skipping. */
  private simple(type: number, line: Buffer | null) {
    if (line === null || this.skipping) return this.value(null);
    return this.value(type === status ? Buffer.from(line) : new RedisReplyError(line.toString("utf8")));
  }

  private length(line: Buffer): number {
    const text = line.toString("latin1");
    if (!/^-?\d{1,12}$/.test(text)) throw new RedisUnavailable(`unreadable reply: length '${text.slice(0, 20)}'`);
    return Number(text);
  }

  /** A complete value: into the array being read, or the end of a top-level reply. */
  private value(reply: RespReply) {
    let done: RespReply = reply;
    while (this.frames.length) {
      const frame = this.frames[this.frames.length - 1];
      frame.items?.push(done);
      if (--frame.left > 0) return;
      this.frames.pop();
      done = frame.items;
    }
    const bytes = this.bytes;
    const skipped = this.skipping;
    this.bytes = 0;
    this.skipping = false;
    this.onReply(skipped ? undefined : done, bytes);
  }
}
