// Connecting to a replica by its `replicaN` name. With in-transit encryption on, ElastiCache's
// certificates name the node endpoints, not `replica1.cache.internal`: resolve the CNAME to its target
// and connect to the target, with the TLS server name set to it, so the certificate matches.
import { promises as dns } from "node:dns";
import { Redis, type RedisOptions } from "ioredis";

export interface ReplicaNameOptions {
  port?: number;
  /** The CNAME lookup; DNS by default (the private hosted zone answers inside the VPC). */
  resolveCname?: (name: string) => Promise<string[]>;
}

/** Host, port and TLS options that reach the node `name` points at now. */
export async function replicaEndpoint(name: string, options: ReplicaNameOptions = {}): Promise<Pick<RedisOptions, "host" | "port" | "tls">> {
  const [target] = await (options.resolveCname ?? dns.resolveCname)(name.replace(/\.$/, ""));
  if (!target) throw new Error(`${name} has no CNAME record: is it a name the replica DNS keeper manages?`);
  const host = target.replace(/\.$/, "");
  return { host, port: options.port ?? 6379, tls: { servername: host } };
}

/**
 * An ioredis client for `replica1.cache.internal` (or any replica name): the target is resolved once;
 * after a failover, connect again to follow the record. `redisOptions` (password, tls.ca, ...) are kept.
 */
export async function connectToReplica(name: string, redisOptions: RedisOptions = {}, options: ReplicaNameOptions = {}): Promise<Redis> {
  const endpoint = await replicaEndpoint(name, options);
  return new Redis({ ...redisOptions, ...endpoint, tls: { ...redisOptions.tls, ...endpoint.tls } });
}
