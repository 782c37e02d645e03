// One socket to one Redis node that runs whole batches: RESP encoded by hand, replies parsed by
// redis-parser (ioredis's own parser). Building an ioredis command object costs a few µs per command,
// most of a 100-command request; and batches that arrive in the same event-loop turn leave in one
// write, so concurrent requests share a syscall instead of paying one each.
import RedisParser from "redis-parser";
import type { Socket } from "node:net";
import { encodeCommand, openRedisSocket, RedisConnectionError, RedisReplyError, type RedisEndpoint, type SocketOptions } from "./connector.js";

export { RedisConnectionError, RedisReplyError };

/** A reply dropped because the batch's replies passed their byte limit (the command itself ran). */
export class ReplyTooLarge extends RedisReplyError {
  override name = "ReplyTooLarge";
}

/** The batch was not answered in time; the connection stays open for the others. */
export class RedisTimeout extends RedisConnectionError {
  override name = "RedisTimeout";
}

/** The connection was dropped because of another batch (its reply passed its limit): nothing is wrong with this one. */
class ConnectionReplaced extends RedisConnectionError {
  override name = "ConnectionReplaced";
}

export interface SendOptions {
  /** Replies past this many bytes (RESP, as received) become ReplyTooLarge; the reader stops soon after. */
  maxReplyBytes?: number;
  /** Every command only reads: if another batch forces a new connection, this one is sent again. */
  idempotent?: boolean;
  /** This batch's own timeout (default: the connection's `commandTimeoutMs`). */
  timeoutMs?: number;
}

/** A reply: bulk and status strings as Buffers, integers as strings (no precision lost), errors as values. */
export type RespReply = Buffer | string | null | RespReply[] | RedisReplyError;

export interface RespConnectionOptions extends RedisEndpoint, SocketOptions {
  /** A batch unanswered this long fails, and the connection is replaced. */
  commandTimeoutMs?: number;
}

interface Batch {
  expected: number;
  replies: RespReply[];
  sentAt: number;
  timeoutMs: number;
  maxReplyBytes: number;
  /** RESP bytes of the replies delivered so far. */
  replyBytes: number;
  /** Timed out: its replies are read and dropped when they come. */
  abandoned: boolean;
  resolve: (replies: RespReply[]) => void;
  reject: (error: Error) => void;
}

interface Wire {
  socket: Socket;
  batches: Batch[];
  outbox: string[];
  /** Bytes read since the last complete reply: what the parser holds of the reply in progress. */
  partial: number;
  lastDataAt: number;
}

export class RespConnection {
  private wire?: Promise<Wire>;
  private ready?: Wire;
  /** Connections with commands waiting for this turn's write (one, unless it was just replaced). */
  private unsent = new Set<Wire>();
  private timer?: ReturnType<typeof setInterval>;

  constructor(readonly options: RespConnectionOptions) {}

  /** Runs `commands` in order in one round trip; one reply per command (errors included, as values). */
  async send(commands: readonly (readonly string[])[], options: SendOptions = {}): Promise<RespReply[]> {
    const replies = await this.sendOnce(commands, options).catch((error) => {
      if (error instanceof ConnectionReplaced && options.idempotent) return this.sendOnce(commands, options);
      throw error;
    });
    // A failover demoted the node we talk to: reconnect (DNS now names the new primary) and resend.
    // Safe: a replica refused every write, so only reads ran, and reads may run twice.
    if (!replies.some(isReadOnlyError)) return replies;
    this.close();
    const again = await this.sendOnce(commands, options);
    // Still a replica (DNS not updated yet): the next request tries a fresh connection too.
    if (again.some(isReadOnlyError)) this.close();
    return again;
  }

  /** Runs `commands` as one MULTI/EXEC; their replies, or throws the reply error that discarded it. */
  async transaction(commands: readonly (readonly string[])[], options: SendOptions = {}): Promise<RespReply[]> {
    const replies = await this.send([["MULTI"], ...commands, ["EXEC"]], { maxReplyBytes: options.maxReplyBytes });
    const exec = replies[replies.length - 1];
    // It ran; only its replies were too large to bring back.
    if (exec instanceof ReplyTooLarge) return commands.map(() => exec);
    if (exec instanceof RedisReplyError) {
      // EXECABORT: say which queued command was refused.
      const refused = replies.slice(1, -1).findIndex((r) => r instanceof RedisReplyError);
      throw new RedisReplyError(refused < 0 ? exec.message : `${exec.message} Command ${refused + 1}: ${(replies[refused + 1] as Error).message}`);
    }
    if (!Array.isArray(exec)) throw new RedisReplyError("EXEC returned no replies: the transaction was discarded");
    return exec;
  }

  close(): void {
    const wire = this.wire;
    this.wire = undefined;
    this.ready = undefined;
    void wire?.then(
      (w) => w.socket.destroy(),
      () => undefined,
    );
  }

  private async sendOnce(commands: readonly (readonly string[])[], options: SendOptions): Promise<RespReply[]> {
    // Once connected, queue at once: an await here would cost every request another turn.
    return this.queue(this.ready ?? (await this.connect()), commands, options);
  }

  /** Queues a batch on `wire` for this turn's write; resolves with its replies. */
  private queue(wire: Wire, commands: readonly (readonly string[])[], options: SendOptions): Promise<RespReply[]> {
    return new Promise((resolve, reject) => {
      const maxReplyBytes = options.maxReplyBytes ?? Infinity;
      const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs ?? 5_000;
      wire.batches.push({
        expected: commands.length,
        replies: [],
        sentAt: Date.now(),
        timeoutMs,
        maxReplyBytes,
        replyBytes: 0,
        abandoned: false,
        resolve,
        reject,
      });
      for (const command of commands) wire.outbox.push(encodeCommand(command));
      if (this.unsent.size === 0) setImmediate(() => this.flush());
      this.unsent.add(wire);
    });
  }

  private flush() {
    for (const wire of this.unsent) {
      wire.socket.write(wire.outbox.join(""));
      wire.outbox.length = 0;
    }
    this.unsent.clear();
  }

  private connect(): Promise<Wire> {
    if (this.wire) return this.wire;
    const { host, port } = this.options;
    const opening = openRedisSocket(this.options, this.options).then((socket) => {
      const wire: Wire = { socket, batches: [], outbox: [], partial: 0, lastDataAt: Date.now() };
      const fail = (error: Error) => {
        if (this.wire === opening) this.wire = undefined;
        if (this.ready === wire) this.ready = undefined;
        socket.destroy();
        for (const batch of wire.batches.splice(0)) batch.reject(error);
      };
      const tooLarge = (batch: Batch) =>
        new ReplyTooLarge(`ERR reply dropped: replies exceed the limit of ${batch.maxReplyBytes} bytes per request (as received from Redis); the command ran`);
      const deliver = (reply: RespReply) => {
        wire.partial = 0;
        const batch = wire.batches[0];
        if (!batch) return fail(new RedisConnectionError(`unexpected reply from ${host}:${port}`));
        if (!batch.abandoned) {
          batch.replyBytes += respSize(reply);
          batch.replies.push(batch.replyBytes > batch.maxReplyBytes ? tooLarge(batch) : reply);
        } else batch.replies.push(null);
        if (batch.replies.length === batch.expected) {
          wire.batches.shift();
          if (!batch.abandoned) batch.resolve(batch.replies);
        }
      };
      /** A reply in progress already past its batch's limit: answer the batch now and stop reading this connection. */
      const stopReadingPastLimit = () => {
        const batch = wire.batches[0];
        if (!batch || batch.abandoned || batch.replyBytes + wire.partial <= batch.maxReplyBytes) return;
        wire.batches.shift();
        while (batch.replies.length < batch.expected) batch.replies.push(tooLarge(batch));
        batch.resolve(batch.replies);
        fail(new ConnectionReplaced(`connection to ${host}:${port} replaced: another request's reply passed its limit`));
      };
      const parser = new RedisParser({
        returnBuffers: true,
        stringNumbers: true,
        returnReply: (reply: unknown) => deliver(withReplyErrors(reply)),
        returnError: (error: Error) => deliver(new RedisReplyError(error.message)),
        returnFatalError: (error: Error) => fail(new RedisConnectionError(`unreadable reply from ${host}:${port}: ${error.message}`, { cause: error })),
      });
      socket.on("data", (chunk: Buffer) => {
        wire.lastDataAt = Date.now();
        wire.partial += chunk.length;
        parser.execute(chunk);
        stopReadingPastLimit();
      });
      socket.on("error", (error) => fail(new RedisConnectionError(`${host}:${port}: ${error.message}`, { cause: error })));
      socket.on("close", () => fail(new RedisConnectionError(`connection to ${host}:${port} closed`)));
      socket.resume();
      if (this.wire === opening) this.ready = wire;
      return wire;
    });
    opening.catch(() => {
      if (this.wire === opening) this.wire = undefined;
    });
    this.wire = opening;
    this.watchTimeouts();
    return opening;
  }

  /**
   * One timer per connection. A batch unanswered in time fails alone: the others keep their place (a
   * slow request must not fail its neighbours). Only a connection silent for three timeouts while
   * batches wait is taken for dead and replaced; silence counts from the oldest batch still waiting
   * (an idle connection is not silent, it has nothing to say).
   */
  private watchTimeouts() {
    const limit = this.options.commandTimeoutMs ?? 5_000;
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      const wire = this.wire;
      if (!wire) return clearInterval(this.timer);
      void wire.then(
        (w) => {
          const now = Date.now();
          for (const batch of w.batches) {
            if (batch.abandoned || now - batch.sentAt <= batch.timeoutMs) continue;
            batch.abandoned = true;
            batch.replies = [];
            batch.reject(new RedisTimeout(`no reply from ${this.options.host}:${this.options.port} in ${batch.timeoutMs} ms`));
          }
          const oldest = w.batches[0];
          if (oldest && now - Math.max(w.lastDataAt, oldest.sentAt) > 3 * limit) w.socket.destroy(new Error(`silent for ${3 * limit} ms`));
        },
        () => undefined,
      );
    }, 50);
    this.timer.unref();
  }
}

const digits = (n: number) => String(n).length;

/** A parsed reply's size as RESP on the wire (a status counted like a bulk string, a few bytes over). */
export function respSize(reply: RespReply): number {
  if (Buffer.isBuffer(reply)) return reply.length + digits(reply.length) + 5;
  if (Array.isArray(reply)) return reply.reduce((n: number, r) => n + respSize(r), digits(reply.length) + 3);
  if (reply === null) return 5;
  if (reply instanceof Error) return reply.message.length + 3;
  return reply.length + 3;
}

const isReadOnlyError = (reply: RespReply) => reply instanceof RedisReplyError && reply.message.startsWith("READONLY");

/** redis-parser puts its own ReplyError inside arrays (EXEC's replies); make them ours. */
function withReplyErrors(reply: unknown): RespReply {
  if (Array.isArray(reply)) return reply.map(withReplyErrors);
  if (reply instanceof Error) return new RedisReplyError(reply.message);
  return reply as RespReply;
}
