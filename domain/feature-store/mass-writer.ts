// Mass insertion the way `redis-cli --pipe` does it: commands encoded as RESP by hand, byte by byte
// into one growing buffer per primary and batch, written to one socket per primary, replies only
// counted. Building ioredis command objects cost ~12 µs per 21-argument HSET, and joining per-command
// strings most of the rest; this path does neither. Each command here answers with a one-line reply
// (an integer, or an error), so counting lines counts replies.
import calculateSlot from "cluster-key-slot";
import type { Cluster, Redis } from "ioredis";
import type { Socket } from "node:net";
import { endpointOfClientOptions } from "../redis/clients.js";
import { encodeCommand as encode, openRedisSocket, RedisUnavailable, RedisReplyError, type RedisEndpoint } from "../redis/connector.js";
import { FeatureStoreError } from "./errors.js";

/** Opens a node's socket, handshake done, paused (`openRedisSocket`). */
export type SocketOpener = (endpoint: RedisEndpoint) => Promise<Socket>;

/** One socket to one primary: writes batches, resolves when every reply of a batch has arrived. */
class NodeConnection {
  private socket?: Promise<Socket>;
  private expected = 0;
  private received = 0;
  private partial = "";
  private errors: string[] = [];
  private waiters: { until: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private failure?: Error;

  constructor(
    private readonly endpoint: RedisEndpoint,
    private readonly openSocket: SocketOpener,
  ) {}

  private open(): Promise<Socket> {
    this.socket ??= this.openSocket(this.endpoint).then((socket) => {
      const { host, port } = this.endpoint;
      socket.on("error", (error) => this.fail(new RedisUnavailable(`${host}:${port}: ${error.message}`, { cause: error })));
      socket.on("close", () => this.fail(new RedisUnavailable(`connection to ${host}:${port} closed during the load`)));
      socket.on("data", (chunk: Buffer) => this.onData(chunk.toString("latin1")));
      socket.resume();
      return socket;
    });
    return this.socket;
  }

  private onData(text: string) {
    const lines = (this.partial + text).split("\r\n");
    this.partial = lines.pop()!;
    for (const line of lines) {
      this.received++;
      if (line.startsWith("-") && this.errors.length < 10) this.errors.push(line.slice(1));
    }
    this.waiters = this.waiters.filter((w) => {
      if (this.received < w.until) return true;
      if (this.errors.length) w.reject(new RedisReplyError(`Redis refused commands: ${this.errors.join("; ")}`));
      else w.resolve();
      return false;
    });
  }

  private fail(error: Error) {
    if (this.received >= this.expected) return;
    this.failure ??= error;
    for (const w of this.waiters) w.reject(error);
    this.waiters = [];
  }

  async write(commands: Uint8Array, count: number): Promise<void> {
    const socket = await this.open();
    if (this.failure) throw this.failure;
    this.expected += count;
    const until = this.expected;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ until, resolve, reject }));
    if (!socket.write(commands)) await new Promise((r) => socket.once("drain", r));
    return done;
  }

  close() {
    void this.socket?.then((s) => s.end()).catch(() => undefined);
  }
}

/** A batch's commands as RESP bytes, written in place (the ids are ASCII: one byte a character). */
class CommandBuffer {
  bytes = Buffer.allocUnsafe(1 << 16);
  length = 0;
  count = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + n));
    this.bytes.copy(next, 0, 0, this.length);
    this.bytes = next;
  }

  /** Text of one byte a character; `$<length>\r\n<text>\r\n` when `bulk`. */
  ascii(text: string, bulk = false): void {
    this.room(text.length + 32);
    if (bulk) this.header(0x24, text.length);
    const { bytes } = this;
    for (let i = 0; i < text.length; i++) bytes[this.length++] = text.charCodeAt(i);
    if (bulk) this.crlf();
  }

  /** `*<n>\r\n` (0x2a) or `$<n>\r\n` (0x24). */
  header(marker: number, n: number): void {
    this.room(24);
    this.bytes[this.length++] = marker;
    const digits = String(n);
    for (let i = 0; i < digits.length; i++) this.bytes[this.length++] = digits.charCodeAt(i);
    this.crlf();
  }

  private crlf(): void {
    this.bytes[this.length++] = 0x0d;
    this.bytes[this.length++] = 0x0a;
  }

  /** Any command, encoded the general way (UTF-8 arguments). */
  encoded(args: string[]): void {
    const text = Buffer.from(encode(args));
    this.room(text.length);
    text.copy(this.bytes, this.length);
    this.length += text.length;
  }
}

/** Ranks 1..n as text, made once: every ranked hash's field names. */
const rankNames: string[] = [];
const rankName = (i: number) => (rankNames[i] ??= String(i + 1));

export class MassWriter {
  private readonly connections = new Map<string, NodeConnection>();
  private pending = new Map<string, CommandBuffer>();
  private single?: string;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly openSocket: SocketOpener = openRedisSocket,
  ) {}

  /** `host:port` of the node that owns `key` (this runs per command: no allocation for a single node). */
  private nodeOf(key: string): string {
    const cluster = this.client as Cluster;
    if (!cluster.isCluster) return (this.single ??= `${(this.client as Redis).options.host ?? "127.0.0.1"}:${(this.client as Redis).options.port ?? 6379}`);
    const id = cluster.slots[calculateSlot(key)]?.[0];
    if (!id) throw new FeatureStoreError(`no node serves the slot of ${key}: is the cluster's slot map loaded?`);
    return id;
  }

  /** The endpoint of node `id`, with the client's TLS, user, password and db; built once per connection. */
  private endpointOf(id: string): RedisEndpoint {
    const node = { host: id.slice(0, id.lastIndexOf(":")), port: Number(id.slice(id.lastIndexOf(":") + 1)) };
    const cluster = this.client as Cluster;
    return endpointOfClientOptions(cluster.isCluster ? (cluster.options.redisOptions ?? {}) : (this.client as Redis).options, node);
  }

  /** Queues one command for the node that owns `key`. */
  add(key: string, args: string[]): void {
    this.batchFor(key).encoded(args);
  }

  /**
   * `HSET key 1 v1 2 v2 ...` for a ranked list. The key and values are plain ASCII ids (the parser
   * checks them), so each character is one byte: written straight into the batch, no strings built.
   */
  addRankedHash(key: string, values: string[]): void {
    const batch = this.batchFor(key);
    batch.header(0x2a, 2 + 2 * values.length);
    batch.ascii("HSET", true);
    batch.ascii(key, true);
    for (let i = 0; i < values.length; i++) {
      batch.ascii(rankName(i), true);
      batch.ascii(values[i], true);
    }
  }

  private batchFor(key: string): CommandBuffer {
    const id = this.nodeOf(key);
    if (!this.connections.has(id)) this.connections.set(id, new NodeConnection(this.endpointOf(id), this.openSocket));
    let batch = this.pending.get(id);
    if (!batch) this.pending.set(id, (batch = new CommandBuffer()));
    batch.count++;
    return batch;
  }

  /** Sends what is queued; resolves when every node has answered every command of it. */
  flush(): Promise<void> {
    const batches = this.pending;
    this.pending = new Map();
    return Promise.all([...batches].map(([id, b]) => this.connections.get(id)!.write(b.bytes.subarray(0, b.length), b.count))).then(() => undefined);
  }

  close(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}
