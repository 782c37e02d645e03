// The local stand-in for ElastiCache's primary endpoint: one stable address that always reaches the
// current primary. It asks every node its ROLE a few times a second; new connections go to the node
// that says `master`, and when that changes (a failover) every open connection is closed, as the DNS
// flip plus connection drop does in AWS. Clients reconnect through it and land on the new primary.
import { endpointFromUrl } from "../../domain/redis/connector.js";
import { RespConnection } from "../../domain/redis/resp-connection.js";
import type { HttpService } from "../launcher/services.js";
import { startTcpForwarder } from "../launcher/tcp-forwarder.js";

export interface PrimaryEndpoint extends Omit<HttpService, "endpoint"> {
  url: string;
  /** The node URL connections go to now. */
  primary(): string | undefined;
  /** Connections closed because the primary changed (for tests and the failover benchmark). */
  readonly switches: number;
}

export async function startPrimaryEndpoint(
  nodeUrls: string[],
  options: { host?: string; port?: number; checkEveryMs?: number } = {},
): Promise<PrimaryEndpoint> {
  const nodes = nodeUrls.map((url) => ({ url, connection: new RespConnection({ ...endpointFromUrl(url), connectTimeoutMs: 200, commandTimeoutMs: 500 }) }));
  let current: string | undefined;
  let switches = 0;

  /** The node that answers ROLE with `master`; undefined mid-failover or with every node down. */
  const findPrimary = async () => {
    const roles = await Promise.all(
      nodes.map(({ connection }) =>
        connection.send([["ROLE"]]).then(
          ([role]) => role,
          () => undefined,
        ),
      ),
    );
    const masters = nodes.filter((_, i) => Array.isArray(roles[i]) && String((roles[i] as Buffer[])[0]) === "master");
    return masters.length === 1 ? masters[0].url : undefined;
  };
  const follow = async () => {
    const primary = await findPrimary();
    if (!primary || primary === current) return;
    const previous = current;
    current = primary;
    if (previous === undefined) return;
    // A failover: drop every connection, so clients reconnect and reach the new primary.
    switches++;
    forwarder.dropAll();
  };
  await follow();
  if (!current) throw new Error(`no primary among ${nodeUrls.join(", ")}`);
  const forwarder = await startTcpForwarder(() => (current ? endpointFromUrl(current) : undefined), options);
  let checking = Promise.resolve();
  const timer = setInterval(() => {
    checking = checking.then(follow, follow);
  }, options.checkEveryMs ?? 200);
  return {
    url: `redis://${forwarder.host}:${forwarder.port}`,
    primary: () => current,
    get switches() {
      return switches;
    },
    stop: async () => {
      clearInterval(timer);
      await checking.catch(() => undefined);
      nodes.forEach(({ connection }) => connection.close());
      await forwarder.stop();
    },
  };
}
