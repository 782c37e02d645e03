// One socket to one Redis node that runs whole batches: RESP encoded by hand, replies parsed by
// redis-parser (ioredis's own parser). Building an ioredis command object costs a few µs per command,
// most of a 100-command request; and batches that arrive in the same event-loop turn leave in one
// write, so concurrent requests share a syscall instead of paying one each.
import RedisParser from "redis-parser";
import type { Socket } from "node:net";
import { encodeCommand, openRedisSocket, RedisConnectionError, RedisReplyError, type RedisEndpoint, type SocketOptions } from "./connector.js";

export { RedisConnectionError, RedisReplyError };

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
  resolve: (replies: RespReply[]) => void;
  reject: (error: Error) => void;
}

interface Wire {
  socket: Socket;
  batches: Batch[];
  outbox: string[];
}

export class RespConnection {
  private wire?: Promise<Wire>;
  private ready?: Wire;
  /** Connections with commands waiting for this turn's write (one, unless it was just replaced). */
  private unsent = new Set<Wire>();
  private timer?: ReturnType<typeof setInterval>;

  constructor(readonly options: RespConnectionOptions) {}

  /** Runs `commands` in order in one round trip; one reply per command (errors included, as values). */
  async send(commands: readonly (readonly string[])[]): Promise<RespReply[]> {
    const replies = await this.sendOnce(commands);
    // A failover demoted the node we talk to: reconnect (DNS now names the new primary) and resend.
    // Safe: a replica refused every write, so only reads ran, and reads may run twice.
    if (!replies.some(isReadOnlyError)) return replies;
    this.close();
    const again = await this.sendOnce(commands);
    // Still a replica (DNS not updated yet): the next request tries a fresh connection too.
    if (again.some(isReadOnlyError)) this.close();
    return again;
  }

  /** Runs `commands` as one MULTI/EXEC; their replies, or throws the reply error that discarded it. */
  async transaction(commands: readonly (readonly string[])[]): Promise<RespReply[]> {
    const replies = await this.send([["MULTI"], ...commands, ["EXEC"]]);
    const exec = replies[replies.length - 1];
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

  private async sendOnce(commands: readonly (readonly string[])[]): Promise<RespReply[]> {
    // Once connected, queue at once: an await here would cost every request another turn.
    return this.queue(this.ready ?? (await this.connect()), commands);
  }

  /** Queues a batch on `wire` for this turn's write; resolves with its replies. */
  private queue(wire: Wire, commands: readonly (readonly string[])[]): Promise<RespReply[]> {
    return new Promise((resolve, reject) => {
      wire.batches.push({ expected: commands.length, replies: [], sentAt: Date.now(), resolve, reject });
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
      const wire: Wire = { socket, batches: [], outbox: [] };
      const fail = (error: Error) => {
        if (this.wire === opening) this.wire = undefined;
        if (this.ready === wire) this.ready = undefined;
        socket.destroy();
        for (const batch of wire.batches.splice(0)) batch.reject(error);
      };
      const deliver = (reply: RespReply) => {
        const batch = wire.batches[0];
        if (!batch) return fail(new RedisConnectionError(`unexpected reply from ${host}:${port}`));
        batch.replies.push(reply);
        if (batch.replies.length === batch.expected) {
          wire.batches.shift();
          batch.resolve(batch.replies);
        }
      };
      const parser = new RedisParser({
        returnBuffers: true,
        stringNumbers: true,
        returnReply: (reply: unknown) => deliver(withReplyErrors(reply)),
        returnError: (error: Error) => deliver(new RedisReplyError(error.message)),
        returnFatalError: (error: Error) => fail(new RedisConnectionError(`unreadable reply from ${host}:${port}: ${error.message}`, { cause: error })),
      });
      socket.on("data", (chunk: Buffer) => parser.execute(chunk));
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

  /** One timer per connection, not one per batch: the oldest unanswered batch decides. */
  private watchTimeouts() {
    const limit = this.options.commandTimeoutMs ?? 5_000;
    clearInterval(this.timer);
    this.timer = setInterval(
      () => {
        const wire = this.wire;
        if (!wire) return clearInterval(this.timer);
        void wire.then(
          (w) => {
            const oldest = w.batches[0];
            if (oldest && Date.now() - oldest.sentAt > limit) w.socket.destroy(new Error(`command timed out after ${limit} ms`));
          },
          () => undefined,
        );
      },
      Math.min(limit, 1_000),
    );
    this.timer.unref();
  }
}

const isReadOnlyError = (reply: RespReply) => reply instanceof RedisReplyError && reply.message.startsWith("READONLY");

/** redis-parser puts its own ReplyError inside arrays (EXEC's replies); make them ours. */
function withReplyErrors(reply: unknown): RespReply {
  if (Array.isArray(reply)) return reply.map(withReplyErrors);
  if (reply instanceof Error) return new RedisReplyError(reply.message);
  return reply as RespReply;
}
