// One subscription stream: a Redis subscriber connection of its own, its pushes written to the HTTP
// response as server-sent events (`data: message,<channel>,<payload>`, as @upstash/redis parses them)
// or as RESP2 bytes (`Upstash-Response-Format: resp2`, exact whatever the payload holds). Bounded on
// every side: bytes waiting for a slow consumer (past STREAM_BUFFER_BYTES the stream closes with the
// reason, never buffering more), a lifetime, and keep-alives so idle proxies keep it open.
import type { RespConnectionOptions } from "../redis/resp-connection.js";
import { RedisSubscriber } from "../redis/subscriber.js";
import { RedisUnavailable } from "../redis/connector.js";
import type { PathMetrics } from "../runtime/metrics.js";
import { CommandRefused } from "./errors.js";
import type { GatewaySettings } from "./settings.js";
import { patternsMatching, type SubscribeRequest } from "./subscriptions.js";

export type StreamFormat = "sse" | "resp2";

/** Why a stream ended: the StreamsClosed metric's Reason. */
export type StreamEnd = "client" | "lifetime" | "slow-consumer" | "too-large" | "redis";

/** What the stream writes to: a node Writable (the local server's response, Lambda's response stream). */
export interface StreamOutput {
  write(chunk: Buffer): unknown;
  end(): void;
  destroy(): void;
  readonly writableLength: number;
  once(event: "close", listener: () => void): unknown;
}

type Field = string | Buffer;

/** SSE: one `data:` line of comma-joined fields; a line feed inside continues on the next `data:` line (SSE's own rule). */
function sseEvent(fields: Field[]): Buffer {
  const joined = Buffer.concat(fields.flatMap((f, i) => [...(i ? [Buffer.from(",")] : []), Buffer.isBuffer(f) ? f : Buffer.from(f)]));
  const lines: Buffer[] = [];
  let from = 0;
  for (let at = joined.indexOf(10); at >= 0; at = joined.indexOf(10, from)) {
    lines.push(joined.subarray(from, at));
    from = at + 1;
  }
  lines.push(joined.subarray(from));
  return Buffer.concat([...lines.flatMap((line) => [Buffer.from("data: "), line, Buffer.from("\n")]), Buffer.from("\n")]);
}

/** RESP2: an array of bulk strings, or an integer as its last field, as Redis pushes them. */
function respPush(fields: Field[], count?: number): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${fields.length + (count === undefined ? 0 : 1)}\r\n`)];
  for (const f of fields) parts.push(Buffer.from(`$${Buffer.byteLength(f)}\r\n`), Buffer.isBuffer(f) ? f : Buffer.from(f), Buffer.from("\r\n"));
  if (count !== undefined) parts.push(Buffer.from(`:${count}\r\n`));
  return Buffer.concat(parts);
}

const formats = {
  sse: {
    contentType: "text/event-stream; charset=utf-8",
    confirmation: (kind: string, name: string, count: number) => sseEvent([kind, name, String(count)]),
    message: (fields: Field[]) => sseEvent(fields),
    keepAlive: () => Buffer.from(": keep-alive\n\n"),
    closing: (why: string) => Buffer.from(`: closed: ${why.replace(/[\r\n]+/g, " ")}\n\n`),
  },
  resp2: {
    contentType: "application/octet-stream",
    confirmation: (kind: string, name: string, count: number) => respPush([kind, name], count),
    message: (fields: Field[]) => respPush(fields),
    // What Redis answers a subscribed connection's PING: every RESP2 subscriber client reads it.
    keepAlive: () => respPush(["pong", ""]),
    closing: (why: string) => Buffer.from(`-ERR stream closed: ${why.replace(/[\r\n]+/g, " ")}\r\n`),
  },
};

export class SubscriptionStream {
  private subscriber?: RedisSubscriber;
  private output?: StreamOutput;
  /** Pushes heard before the response was attached (counted against the same buffer). */
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private ended?: StreamEnd;
  private signalEnded = () => {};
  /** Resolves when the stream has ended, for whatever reason. */
  readonly done = new Promise<StreamEnd>((resolve) => (this.signalEnded = () => resolve(this.ended!)));

  constructor(
    private readonly request: SubscribeRequest,
    readonly format: StreamFormat,
    private readonly settings: Pick<GatewaySettings, "streamBufferBytes" | "streamLifetimeSeconds" | "streamKeepAliveSeconds">,
    private readonly metrics: PathMetrics,
    /** Counts the stream out of the process's limits. */
    private readonly release: () => void,
    /** Opens the subscriber connection (a test hands it a socket of its own). */
    private readonly openSubscriber: typeof RedisSubscriber.open = (...args) => RedisSubscriber.open(...args),
  ) {}

  get contentType(): string {
    return formats[this.format].contentType;
  }

  /** Opens the subscriber and waits for Redis to confirm every subscription; rejects with the reason Redis gave. */
  async subscribe(endpoint: RespConnectionOptions, engine: { channels: string[]; patterns: string[] }): Promise<void> {
    const expected = engine.channels.length + engine.patterns.length;
    let confirmed = 0;
    let settle: (error?: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
    const matching = this.request.kind === "psubscribe" ? patternsMatching(this.request.names) : undefined;
    try {
      this.subscriber = await this.openSubscriber(
        endpoint,
        engine,
        {
          message: (channel, payload) => {
            if (!matching) return this.push(formats[this.format].message(["message", channel, payload]));
            // One event per pattern asked for that matches, as Redis sends one pmessage per matching pattern.
            for (const pattern of matching(channel)) this.push(formats[this.format].message(["pmessage", pattern, channel, payload]));
          },
          subscribed: () => void (++confirmed === expected && settle()),
          tooLarge: (bytes) => this.close("too-large", `a message of ${bytes} bytes is over STREAM_BUFFER_BYTES (${this.settings.streamBufferBytes})`),
          ended: (reason) => {
            if (confirmed < expected) {
              const refusal = /NOPERM/.test(reason) ? new CommandRefused(`ERR ${reason}`, "subscription") : new RedisUnavailable(reason);
              return settle(refusal);
            }
            this.close("redis", `${reason}: subscribe again`);
          },
        },
        this.settings.streamBufferBytes,
      );
      await ready;
    } catch (error) {
      this.finish("redis");
      throw error;
    }
  }

  /** Writes the confirmations, then every message, to `output` until the stream ends; resolves with why it ended. */
  attach(output: StreamOutput): Promise<StreamEnd> {
    if (this.ended) {
      output.end();
      return this.done;
    }
    this.output = output;
    output.once("close", () => this.close("client"));
    const format = formats[this.format];
    this.request.names.forEach((name, i) => output.write(format.confirmation(this.request.kind, name, i + 1)));
    for (const chunk of this.early.splice(0)) output.write(chunk);
    this.earlyBytes = 0;
    const { streamKeepAliveSeconds, streamLifetimeSeconds } = this.settings;
    const keepAlive = setInterval(() => this.output?.write(format.keepAlive()), streamKeepAliveSeconds * 1000);
    const lifetime = setTimeout(
      () => this.close("lifetime", `the stream's lifetime of ${streamLifetimeSeconds} s is over: subscribe again`),
      streamLifetimeSeconds * 1000,
    );
    this.timers.push(keepAlive, lifetime);
    return this.done;
  }

  /** Ends the stream (idempotent): the Redis subscriber closes, the reason is written where it still fits. */
  close(reason: StreamEnd, why?: string): void {
    if (this.ended) return;
    const output = this.output;
    if (output && reason !== "client") {
      if (why) output.write(formats[this.format].closing(why));
      output.end();
      // A consumer that reads nothing would hold the ended response's bytes: it goes when the next keep-alive would have.
      const drop = setTimeout(() => output.destroy(), this.settings.streamKeepAliveSeconds * 1000);
      drop.unref();
    }
    this.finish(reason);
  }

  private finish(reason: StreamEnd): void {
    if (this.ended) return;
    this.ended = reason;
    this.subscriber?.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.early = [];
    this.release();
    this.metrics.add("StreamsClosed", 1, { Reason: reason });
    if (reason === "slow-consumer") this.metrics.add("SlowConsumers", 1);
    this.signalEnded();
  }

  /** A message for the consumer, or the end of the stream when it would take the waiting bytes past the buffer. */
  private push(chunk: Buffer): void {
    if (this.ended) return;
    const waiting = this.output ? this.output.writableLength : this.earlyBytes;
    const limit = this.settings.streamBufferBytes;
    if (waiting + chunk.length > limit) return this.close("slow-consumer", `the consumer fell ${waiting} bytes behind (STREAM_BUFFER_BYTES: ${limit})`);
    this.metrics.add("StreamMessages", 1);
    if (this.output) this.output.write(chunk);
    else {
      this.early.push(chunk);
      this.earlyBytes += chunk.length;
    }
  }
}
