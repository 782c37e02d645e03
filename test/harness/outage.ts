// A service that can be made unreachable: a forwarder in front of it that refuses and drops every
// connection while the outage lasts, as a network path or an AWS endpoint that goes away does.
import { startTcpForwarder } from "../../local/launcher/tcp-forwarder.js";

export interface Outage {
  /** The service's endpoint through the forwarder (same scheme and path as the real one). */
  endpoint: string;
  down(): void;
  up(): void;
  stop(): Promise<void>;
}

export async function startOutage(endpoint: string): Promise<Outage> {
  const real = new URL(endpoint);
  let reachable = true;
  const forwarder = await startTcpForwarder(() => (reachable ? { host: real.hostname, port: Number(real.port) } : undefined));
  const through = new URL(endpoint);
  through.port = String(forwarder.port);
  return {
    endpoint: through.href.replace(/\/$/, ""),
    down: () => {
      reachable = false;
      forwarder.dropAll();
    },
    up: () => void (reachable = true),
    stop: () => forwarder.stop(),
  };
}
