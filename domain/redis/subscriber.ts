// One subscriber connection: a socket of its own (a subscribed connection takes no other command),
// logged in as the caller's engine user, reading the pushes Redis sends it. Messages larger than
// `maxMessageBytes` are skipped as they stream in, never buffered, and reported as such.
import { openRedisSocket, encodeCommand, type RedisEndpoint, type SocketOptions } from "./connector.js";
import { RespReader, type RespReply } from "./resp-reader.js";

/** What the subscriber hears: each push as Redis sends it (bulk strings as Buffers), or that it has ended. */
export interface SubscriberEvents {
  /** A `message` or `pmessage`; `pattern` for the latter. */
  message(channel: Buffer, payload: Buffer, pattern?: Buffer): void;
  /** A `subscribe`/`psubscribe` confirmation with the connection's subscription count. */
  subscribed(kind: "subscribe" | "psubscribe", name: Buffer, count: number): void;
  /** A push over `maxMessageBytes`, skipped: `bytes` is its size on the wire. */
  tooLarge(bytes: number): void;
  /** The connection ended (Redis closed it, refused a subscription, or the reply was not RESP); not called after `close()`. */
  ended(reason: string): void;
}

/** What the subscriber needs of its socket (a test hands it a stream). */
export interface SubscriberSocket {
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  write(data: string): unknown;
  destroy(): unknown;
  resume(): unknown;
}

export class RedisSubscriber {
  private closed = false;

  /** Reads pushes from a socket already logged in; `open` makes one. */
  constructor(
    private readonly socket: SubscriberSocket,
    events: SubscriberEvents,
    maxMessageBytes: number,
  ) {
    const end = (reason: string) => {
      if (this.closed) return;
      this.closed = true;
      socket.destroy();
      events.ended(reason);
    };
    const reader = new RespReader(
      () => maxMessageBytes,
      (reply, bytes) => {
        if (reply === undefined) return events.tooLarge(bytes);
        const why = dispatch(reply, events);
        if (why) end(why);
      },
    );
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.feed(chunk);
      } catch (error) {
        end(`unreadable reply from Redis: ${(error as Error).message}`);
      }
    });
    socket.on("error", (error) => end(`Redis connection failed: ${error.message}`));
    socket.on("close", () => end("Redis closed the connection"));
    socket.resume();
  }

  /** Opens a connection as `endpoint`'s user and subscribes to `channels` (SUBSCRIBE) and `patterns` (PSUBSCRIBE). */
  static async open(
    endpoint: RedisEndpoint & SocketOptions,
    subscriptions: { channels: string[]; patterns: string[] },
    events: SubscriberEvents,
    maxMessageBytes: number,
  ): Promise<RedisSubscriber> {
    const socket = await openRedisSocket(endpoint, endpoint);
    const subscriber = new RedisSubscriber(socket, events, maxMessageBytes);
    const commands = [
      ...(subscriptions.channels.length ? [["SUBSCRIBE", ...subscriptions.channels]] : []),
      ...(subscriptions.patterns.length ? [["PSUBSCRIBE", ...subscriptions.patterns]] : []),
    ];
    socket.write(commands.map(encodeCommand).join(""));
    return subscriber;
  }

  /** Closes the connection: Redis drops its subscriptions with it. */
  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

const text = (reply: RespReply | undefined) => (Buffer.isBuffer(reply) ? reply.toString("latin1") : String(reply));

/** Hands one push to `events`; a reason to end when it is an error (a refused channel). */
function dispatch(reply: RespReply, events: SubscriberEvents): string | undefined {
  if (reply instanceof Error) return `Redis refused the subscription: ${reply.message}`;
  if (!Array.isArray(reply)) return undefined;
  const [kind, ...rest] = reply;
  const buffers = rest.map((r) => (Buffer.isBuffer(r) ? r : Buffer.from(text(r), "latin1")));
  switch (text(kind)) {
    case "message":
      return void events.message(buffers[0], buffers[1]);
    case "pmessage":
      return void events.message(buffers[1], buffers[2], buffers[0]);
    case "subscribe":
    case "psubscribe":
      return void events.subscribed(text(kind) as "subscribe" | "psubscribe", buffers[0], Number(text(rest[1])));
    default:
      return undefined;
  }
}
