// A TCP forwarder on loopback: each new connection is piped to whatever `target` names at that moment,
// or refused when it names nothing. `dropAll` closes every open connection, as a network that goes
// away (or ElastiCache's failover) does. The local primary endpoint and the tests' outages use it.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpTarget {
  host: string;
  port: number;
}

export interface TcpForwarder {
  host: string;
  port: number;
  /** Closes every connection open now (new ones still follow `target`). */
  dropAll(): void;
  stop(): Promise<void>;
}

export async function startTcpForwarder(target: () => TcpTarget | undefined, options: { host?: string; port?: number } = {}): Promise<TcpForwarder> {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const to = target();
    if (!to) return void client.destroy();
    const upstream = connect({ host: to.host, port: to.port });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      open.add(a);
      a.pipe(b);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        open.delete(a);
        b.destroy();
      });
    }
    client.setNoDelay(true);
    upstream.setNoDelay(true);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const dropAll = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    host,
    port: (server.address() as { port: number }).port,
    dropAll,
    stop: async () => {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
