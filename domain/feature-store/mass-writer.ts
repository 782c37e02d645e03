// Mass insertion the way `redis-cli --pipe` does it: commands encoded as RESP by hand and written to
// one socket per primary, replies only counted. Building ioredis command objects cost ~12 µs per
// 21-argument HSET, most of a load's time; this path does not. Each command here answers with a
// one-line reply (an integer, or an error), so counting lines counts replies.
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

  async write(commands: string, count: number): Promise<void> {
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

export class MassWriter {
  private readonly connections = new Map<string, NodeConnection>();
  private pending = new Map<string, { text: string[]; count: number }>();
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
    this.queue(key, encode(args));
  }

  /**
   * `HSET key 1 v1 2 v2 ...` for a ranked list. The key and values are plain ASCII ids (the parser
   * checks them), so their length is their byte length: no intermediate arrays, no byte counting.
   */
  addRankedHash(key: string, values: string[]): void {
    let text = `*${2 + 2 * values.length}\r\n$4\r\nHSET\r\n$${key.length}\r\n${key}\r\n`;
    for (let i = 0; i < values.length; i++) {
      const rank = String(i + 1);
      text += `$${rank.length}\r\n${rank}\r\n$${values[i].length}\r\n${values[i]}\r\n`;
    }
    this.queue(key, text);
  }

  private queue(key: string, text: string): void {
    const id = this.nodeOf(key);
    if (!this.connections.has(id)) this.connections.set(id, new NodeConnection(this.endpointOf(id), this.openSocket));
    let batch = this.pending.get(id);
    if (!batch) this.pending.set(id, (batch = { text: [], count: 0 }));
    batch.text.push(text);
    batch.count++;
  }

  /** Sends what is queued; resolves when every node has answered every command of it. */
  flush(): Promise<void> {
    const batches = this.pending;
    this.pending = new Map();
    return Promise.all([...batches].map(([id, b]) => this.connections.get(id)!.write(b.text.join(""), b.count))).then(() => undefined);
  }

  close(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}
