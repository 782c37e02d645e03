// The one place that opens a socket to a Redis node, for every client that speaks RESP itself (the
// command gateway's RespConnection, the feature loader's MassWriter): TCP, or TLS for ElastiCache's
// in-transit encryption; a connect timeout; keep-alive and no Nagle delay; then AUTH and SELECT, so a
// socket is handed over only once it is ready for commands. ioredis keeps its connectors apart the same way.
import { connect as tcp, isIP, type Socket } from "node:net";
import { connect as tls, type ConnectionOptions } from "node:tls";
import { ConfigError, ServiceError } from "../runtime/errors.js";

export interface RedisEndpoint {
  host: string;
  port: number;
  /** TLS options for `tls.connect`; the server name defaults to `host` (ElastiCache's certificates name it). */
  tls?: ConnectionOptions;
  username?: string;
  password?: string;
  db?: number;
}

export interface SocketOptions {
  /** Connecting, TLS and the AUTH/SELECT handshake together must finish within this. */
  connectTimeoutMs?: number;
  /** TCP keep-alive probes after this much idle time, so a dead peer is noticed. */
  keepAliveMs?: number;
}

export const socketDefaults: Required<SocketOptions> = { connectTimeoutMs: 2_000, keepAliveMs: 30_000 };

/**
 * Redis did not answer (unreachable, closed, too slow, refused AUTH, unreadable): nothing ran that the
 * caller must worry about, and it may retry. `timedOut`: it was too slow; `resend`: a read the
 * connection sends again, once, on a new socket.
 */
export class RedisUnavailable extends ServiceError {
  override name = "RedisUnavailable";
  override readonly status = 503;
  override readonly retryable = true;
  readonly timedOut: boolean;
  readonly resend: boolean;

  constructor(message: string, options: ErrorOptions & { timedOut?: boolean; resend?: boolean } = {}) {
    super(message, options);
    this.timedOut = options.timedOut ?? false;
    this.resend = options.resend ?? false;
  }
}

/** A write was sent but its reply never came (the connection went, or no reply in time): it may or may not have run, and it is never sent again. */
export class OutcomeUnknown extends ServiceError {
  override name = "OutcomeUnknown";
  override readonly status = 502;
  override readonly retryable = false;
}

/** An error reply from Redis (`WRONGTYPE ...`): a command's answer, not a failure of the connection. */
export class RedisReplyError extends ServiceError {
  override name = "RedisReplyError";
  override readonly status = 400;
}

export function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

/** An endpoint from a `redis://` or `rediss://` URL (user, password and db included). */
export function endpointFromUrl(url: string, extra: Partial<RedisEndpoint> = {}): RedisEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConfigError(`not a URL: "${url}"`, { cause: error });
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") throw new ConfigError(`not a redis:// or rediss:// URL: ${parsed.protocol}`);
  const db = parsed.pathname.replace("/", "");
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    tls: parsed.protocol === "rediss:" ? {} : undefined,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: db ? Number(db) : undefined,
    ...extra,
  };
}

/** AUTH and SELECT, as the endpoint asks for them. */
function handshakeCommands({ username, password, db }: RedisEndpoint): string[][] {
  const commands: string[][] = [];
  if (password) commands.push(username ? ["AUTH", username, password] : ["AUTH", password]);
  if (db) commands.push(["SELECT", String(db)]);
  return commands;
}

/**
 * Opens a socket to `endpoint` and runs the handshake. The socket comes back paused: attach a `data`
 * handler, then `resume()` it. Rejects with a RedisUnavailable that says what failed.
 */
export function openRedisSocket(endpoint: RedisEndpoint, options: SocketOptions = {}): Promise<Socket> {
  const { connectTimeoutMs, keepAliveMs } = { ...socketDefaults, ...options };
  const { host, port } = endpoint;
  const where = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const servername = isIP(host) ? undefined : host;
    const socket = endpoint.tls ? tls({ host, port, servername, ...endpoint.tls }) : tcp({ host, port });
    const commands = handshakeCommands(endpoint);
    let buffered = "";
    let answered = 0;
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.off("data", onData).off("error", onError).off("close", onClose);
      if (error) {
        socket.destroy();
        return reject(error);
      }
      socket.pause();
      resolve(socket);
    };
    // AUTH and SELECT answer with one line each: `+OK` or `-<reason>`.
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      let end: number;
      while ((end = buffered.indexOf("\r\n")) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (line.startsWith("-")) return done(new RedisUnavailable(`${commands[answered][0]} refused: ${line.slice(1)}`));
        if (++answered === commands.length) return done();
      }
    };
    const onError = (error: Error) => done(new RedisUnavailable(`${where}: ${error.message}`, { cause: error }));
    const onClose = () => done(new RedisUnavailable(`connection to ${where} closed during the handshake`));
    const timer = setTimeout(() => done(new RedisUnavailable(`connect to ${where} timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
    socket.on("data", onData).on("error", onError).on("close", onClose);
    socket.once(endpoint.tls ? "secureConnect" : "connect", () => {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, keepAliveMs);
      if (commands.length === 0) return done();
      socket.write(commands.map(encodeCommand).join(""));
    });
  });
}
