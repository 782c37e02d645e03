// The keeper locally: roles read from the nodes themselves, records kept in a JSON zone file.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { memoryLogger, type Logger } from "../../domain/runtime/log.js";
import type { PathMetrics } from "../../domain/runtime/metrics.js";
import { parseInvocation } from "../../domain/replica-dns/events.js";
import { ReplicaDnsKeeper, type RecordZone, type TopologySource } from "../../domain/replica-dns/keeper.js";
import type { CacheNode, RecordChange, RecordSet } from "../../domain/replica-dns/planner.js";
import { redisCommand } from "../launcher/services.js";

export const localZoneName = "cache.local.";
export const localGroupId = "local";

/** ROLE on every node: a node that does not answer is gone, as a deleted node is in AWS. */
export class RedisRoleTopology implements TopologySource {
  constructor(private readonly nodeUrls: () => string[]) {}

  async nodes(): Promise<CacheNode[]> {
    const roles = await Promise.all(
      this.nodeUrls().map(async (url) => {
        const role = (await redisCommand(url, "ROLE").catch(() => undefined)) as unknown[] | undefined;
        if (role?.[0] === "master") return { id: url, target: url, role: "primary" as const };
        if (role?.[0] === "slave") return { id: url, target: url, role: "replica" as const };
        return undefined;
      }),
    );
    return roles.filter((n): n is CacheNode => n !== undefined);
  }
}

/** Zone file: `{ "replica1": "redis://127.0.0.3:7000", "reader": [url, ...], "primary": url }`. */
export type ZoneFile = Record<string, string | string[]>;

export function readZoneFile(path: string): ZoneFile {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as ZoneFile) : {};
}

/** What a client does with a name: the local stand-in for a DNS lookup of `replica1.cache.local`. */
export function resolveLocalName(path: string, name: string): string | undefined {
  const value = readZoneFile(path)[name.replace(`.${localZoneName}`, "").replace(/\.$/, "")];
  return Array.isArray(value) ? value[Math.floor(Math.random() * value.length)] : value;
}

export class JsonFileZone implements RecordZone {
  constructor(
    private readonly path: string,
    private readonly ttl: number,
  ) {}

  async name(): Promise<string> {
    return localZoneName;
  }

  async records(): Promise<RecordSet[]> {
    return Object.entries(readZoneFile(this.path)).flatMap(([label, value]) =>
      Array.isArray(value)
        ? value.map((v) => ({ name: `${label}.${localZoneName}`, value: v, ttl: this.ttl, setIdentifier: v, weight: 1 }))
        : [{ name: `${label}.${localZoneName}`, value, ttl: this.ttl }],
    );
  }

  async apply(changes: RecordChange[]): Promise<void> {
    const zone = readZoneFile(this.path);
    for (const { action, record } of changes) {
      const label = record.name.slice(0, -(localZoneName.length + 1));
      const current = zone[label];
      if (record.setIdentifier === undefined) {
        if (action === "DELETE") delete zone[label];
        else zone[label] = record.value;
        continue;
      }
      const values = new Set(Array.isArray(current) ? current : []);
      if (action === "DELETE") values.delete(record.setIdentifier);
      else values.add(record.value);
      if (values.size) zone[label] = [...values].sort();
      else delete zone[label];
    }
    // Write whole or not at all, like a Route 53 change batch.
    writeFileSync(`${this.path}.tmp`, JSON.stringify(zone, Object.keys(zone).sort(), 2) + "\n");
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/** The keeper behind the local Lambda endpoint: raw events are parsed at this edge, as the handler does. */
export const keeperFunction = (keeper: ReplicaDnsKeeper) => (event: unknown) => keeper.handle(parseInvocation(event, localGroupId));

export function localReplicaDnsKeeper(nodeUrls: () => string[], zoneFile: string, log: Logger = memoryLogger(), metrics?: PathMetrics): ReplicaDnsKeeper {
  return new ReplicaDnsKeeper(
    new RedisRoleTopology(nodeUrls),
    new JsonFileZone(zoneFile, 10),
    {
      groupId: localGroupId,
      naming: { template: `replica.${localZoneName}`, ttl: 10, readerName: `reader.${localZoneName}`, primaryName: `primary.${localZoneName}` },
    },
    log,
    metrics,
  );
}
