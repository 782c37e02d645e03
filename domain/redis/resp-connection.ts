// One socket to one Redis node that runs whole batches: RESP encoded by hand, replies read by
// resp-reader.ts. Batches that arrive in the same event-loop turn leave in one write. The connection
// is honest with each caller: a batch is told it failed only when its commands did not run; a read
// whose reply was lost is sent again; a write whose outcome is unknown gets OutcomeUnknown and is
// never resent. A reply past its caller's limit is drained without being kept, so neighbours carry on.
import type { Socket } from "node:net";
import { encodeCommand, OutcomeUnknown, openRedisSocket, RedisUnavailable, RedisReplyError, type RedisEndpoint, type SocketOptions } from "./connector.js";
import { RespReader, type RespReply } from "./resp-reader.js";

export { OutcomeUnknown, RedisUnavailable, RedisReplyError, type RespReply };

/** A reply dropped because the batch's replies passed their byte limit (the command itself ran). */
export class ReplyTooLarge extends RedisReplyError {
  override name = "ReplyTooLarge";
}

/** What is left of a request's reply bytes: batches of one request share it, and the connection spends it as replies arrive. */
export interface ReplyAllowance {
  replyBytes: number;
  /** The setting the allowance started from, for the refusal's message. */
  readonly settings?: { maxReplyBytes: number };
}

export interface SendOptions {
  /** Replies past what this allows become ReplyTooLarge, drained without being kept. Unbounded when absent. */
  allowance?: ReplyAllowance;
  /** Every command only reads: when the reply is lost with the connection, it is sent again once. */
  idempotent?: boolean;
  /** This batch's own timeout (default: the connection's `commandTimeoutMs`). */
  timeoutMs?: number;
  /** Called once: `true` when the batch's last reply arrived (even after its caller gave up), `false` when the connection went. */
  settled?: (answered: boolean) => void;
}

export interface RespConnectionOptions extends RedisEndpoint, SocketOptions {
  /** A batch unanswered this long fails; a connection silent three times this long while batches wait is replaced. */
  commandTimeoutMs?: number;
}

interface Batch {
  expected: number;
  /** Replies read for it, kept or drained. */
  received: number;
  replies: RespReply[];
  sentAt: number;
  timeoutMs: number;
  allowance: ReplyAllowance;
  /** Reply bytes charged to the allowance: given back if the batch is sent again. */
  charged: number;
  /** Its commands left in a write (before that, a lost connection means they did not run). */
  written: boolean;
  idempotent: boolean;
  /** Its caller has its answer already (a reply over the limit, or a timeout); what still comes is drained. */
  done: boolean;
  resolve: (replies: RespReply[]) => void;
  reject: (error: Error) => void;
  settled?: (answered: boolean) => void;
}

interface Wire {
  socket: Socket;
  batches: Batch[];
  outbox: string[];
  lastDataAt: number;
}

const unbounded: ReplyAllowance = { replyBytes: Infinity };

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
      if (error instanceof RedisUnavailable && error.resend) return this.sendOnce(commands, options);
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
    const replies = await this.send([["MULTI"], ...commands, ["EXEC"]], { ...options, idempotent: false });
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
      wire.batches.push({
        expected: commands.length,
        received: 0,
        replies: [],
        sentAt: Date.now(),
        timeoutMs: options.timeoutMs ?? this.options.commandTimeoutMs ?? 5_000,
        allowance: options.allowance ?? unbounded,
        charged: 0,
        written: false,
        idempotent: options.idempotent ?? false,
        done: false,
        resolve,
        reject,
        settled: options.settled,
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
      for (const batch of wire.batches) batch.written = true;
    }
    this.unsent.clear();
  }

  private connect(): Promise<Wire> {
    if (this.wire) return this.wire;
    const opening = openRedisSocket(this.options, this.options).then((socket) => {
      const wire: Wire = { socket, batches: [], outbox: [], lastDataAt: Date.now() };
      const fail = (error: RedisUnavailable) => {
        if (this.wire === opening) this.wire = undefined;
        if (this.ready === wire) this.ready = undefined;
        socket.destroy();
        for (const batch of wire.batches.splice(0)) this.lost(batch, error);
      };
      const reader = new RespReader(
        () => {
          const batch = wire.batches[0];
          return batch && !batch.done ? batch.allowance.replyBytes : Infinity;
        },
        (reply, bytes) => {
          const batch = wire.batches[0];
          if (!batch) return fail(new RedisUnavailable(`unexpected reply from ${this.where}`));
          this.deliver(wire, batch, reply, bytes);
        },
      );
      socket.on("data", (chunk: Buffer) => {
        wire.lastDataAt = Date.now();
        try {
          reader.feed(chunk);
        } catch (error) {
          fail(error instanceof RedisUnavailable ? error : new RedisUnavailable(`unreadable reply from ${this.where}`, { cause: error }));
        }
      });
      socket.on("error", (error) => fail(new RedisUnavailable(`${this.where}: ${error.message}`, { cause: error })));
      socket.on("close", () => fail(new RedisUnavailable(`connection to ${this.where} closed`)));
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

  private get where() {
    return `${this.options.host}:${this.options.port}`;
  }

  /** One reply of the batch at the head: charged to its allowance; past it, the rest of the batch is answered at once and drained. */
  private deliver(wire: Wire, batch: Batch, reply: RespReply | undefined, bytes: number) {
    batch.received++;
    if (!batch.done) {
      batch.charged += bytes;
      batch.allowance.replyBytes -= bytes;
      if (reply === undefined) {
        const limit = batch.allowance.settings?.maxReplyBytes ?? batch.allowance.replyBytes + batch.charged;
        const tooLarge = new ReplyTooLarge(
          `ERR reply dropped: replies exceed the limit of ${limit} bytes per request (as received from Redis); the command ran`,
        );
        while (batch.replies.length < batch.expected) batch.replies.push(tooLarge);
        batch.done = true;
        batch.resolve(batch.replies);
      } else batch.replies.push(reply);
    }
    if (batch.received < batch.expected) return;
    wire.batches.shift();
    if (!batch.done) batch.resolve(batch.replies);
    batch.settled?.(true);
  }

  /** The connection went with `batch` out: did its commands run? */
  private lost(batch: Batch, error: RedisUnavailable) {
    batch.settled?.(false);
    if (batch.done) return;
    if (!batch.written) return batch.reject(new RedisUnavailable(`${error.message}; the batch was not sent, nothing of it ran`, { cause: error }));
    if (batch.idempotent) {
      // Sent again on a new connection: what it was charged comes back.
      batch.allowance.replyBytes += batch.charged;
      // The connection went while a read was out: it is sent again (once) on a new one.
      return batch.reject(new RedisUnavailable(error.message, { cause: error, resend: true }));
    }
    batch.reject(
      new OutcomeUnknown(`the write was sent but its reply was lost (${error.message}): it may or may not have run, and it was not sent again`, {
        cause: error,
      }),
    );
  }

  /**
   * One timer per connection. A batch unanswered in time fails alone: the others keep their place (a
   * slow request must not fail its neighbours), and its late replies are drained. Only a connection
   * silent for three timeouts while batches wait is taken for dead and replaced; silence counts from
   * the oldest batch still waiting (an idle connection is not silent, it has nothing to say).
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
            if (batch.done || now - batch.sentAt <= batch.timeoutMs) continue;
            batch.done = true;
            batch.replies = [];
            const late = `no reply from ${this.where} in ${batch.timeoutMs} ms`;
            batch.reject(
              batch.idempotent
                ? new RedisUnavailable(late, { timedOut: true })
                : new OutcomeUnknown(`the write was sent but ${late}: it may still run, and it was not sent again`),
            );
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
