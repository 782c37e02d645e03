// Drift as a number: a bounded, sampled reconcile. Each round, per mapping, up to `sampleSize` keys
// from a random point of each primary's keyspace and as many entries from a random place of its
// destination (a DynamoDB table's segment, a SQL table's key range) are compared the way `reconcile` compares them; a difference is counted only if it is still
// there after `settleMs` (a change in flight is not drift). Reported as Drift and DriftSampled.
import type { Cluster, Redis } from "ioredis";
import { errorMessage } from "../runtime/errors.js";
import type { Logger } from "../runtime/log.js";
import { primaryNodes } from "../redis/clients.js";
import { sleep } from "../runtime/retry.js";
import { changeOf, keyOfPartitionKey, partitionKeyOf, refusedType, type CompiledMapping, type Snapshot } from "./mappings.js";
import { Snapshots } from "./capture/snapshots.js";
import { readerOf, sharingEntries, type DestinationReader, type Destinations } from "./destination-reader.js";

export interface DriftConfig {
  /** Between two rounds; 0 turns the sampler off. */
  intervalMs: number;
  /** Keys (and as many items) compared per mapping and round. */
  sampleSize: number;
  /** A difference is looked at again after this long, and counted only if it is still there. */
  settleMs: number;
}

export const defaultDriftConfig: DriftConfig = { intervalMs: 300_000, sampleSize: 200, settleMs: 10_000 };

/** SCAN calls per node and round, whatever the keyspace: the bound on a round's work in Redis. */
const maxScanCalls = 20;

export interface DriftReport {
  mapping: string;
  sampled: number;
  differing: string[];
}

/** Up to `wanted` keys of `mapping`, from a random cursor of each primary (wrapping once past the end). */
async function sampleKeys(client: Redis | Cluster, mapping: CompiledMapping, wanted: number): Promise<Set<string>> {
  const keys = new Set<string>();
  const nodes = primaryNodes(client);
  for (const node of nodes) {
    const size = Math.max(1, await node.dbsize());
    // A cursor is a position in the table (of a power-of-two size): any value below the size is one.
    let cursor = String(Math.floor(Math.random() * 2 ** Math.ceil(Math.log2(size))));
    let wrapped = cursor === "0";
    for (let call = 0; call < maxScanCalls && keys.size < (wanted * (nodes.indexOf(node) + 1)) / nodes.length; call++) {
      const [next, page] = await node.scan(cursor, "MATCH", mapping.scanPattern, "COUNT", 1_000);
      for (const key of page) if (partitionKeyOf(mapping, key) !== undefined) keys.add(key);
      if (next === "0" && wrapped) break;
      if (next === "0") wrapped = true;
      cursor = next;
    }
  }
  return keys;
}

export class DriftSampler {
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private readonly snapshots: Snapshots;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly destinations: Destinations,
    private readonly mappings: () => readonly CompiledMapping[],
    private readonly config: DriftConfig,
    private readonly report: (report: DriftReport) => void,
    private readonly log: Logger,
  ) {
    this.snapshots = new Snapshots(client);
  }

  start(): void {
    if (this.config.intervalMs <= 0) return;
    const round = async () => {
      await this.sampleAll();
      if (!this.stopped) this.timer = setTimeout(() => void round(), this.config.intervalMs);
    };
    this.timer = setTimeout(() => void round(), this.config.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One round over every mapping; a mapping that cannot be sampled now is logged and skipped. */
  async sampleAll(): Promise<DriftReport[]> {
    const reports: DriftReport[] = [];
    for (const mapping of this.mappings()) {
      try {
        const report = await this.sample(mapping);
        if (report.differing.length)
          this.log.warn("drift: entries differ between Redis and the destination", { mapping: mapping.name, keys: report.differing.slice(0, 20) });
        this.report(report);
        reports.push(report);
      } catch (error) {
        this.log.warn("drift sample failed", { mapping: mapping.name, reason: errorMessage(error) });
      }
    }
    return reports;
  }

  async sample(mapping: CompiledMapping): Promise<DriftReport> {
    const { sampleSize, settleMs } = this.config;
    const reader = readerOf(mapping, this.destinations);
    const keys = [...(await sampleKeys(this.client, mapping, sampleSize))];
    const candidates = [...new Set([...keys, ...(await reader.sample(sampleSize, keys))])];
    let differing = await this.differing(mapping, reader, candidates);
    if (differing.length && settleMs > 0) {
      await sleep(settleMs);
      differing = await this.differing(mapping, reader, differing);
    }
    return { mapping: mapping.name, sampled: candidates.length, differing };
  }

  /** The keys whose entry is missing, stale or orphaned (another mapping writing the same entry counts as its owner). */
  private async differing(mapping: CompiledMapping, reader: DestinationReader, keys: string[]): Promise<string[]> {
    const sharing = sharingEntries(mapping, this.mappings());
    const verdicts = await Promise.all(
      keys.map(async (key) => {
        const value = partitionKeyOf(mapping, key)!;
        const [held, item] = await Promise.all([this.held(mapping, key), reader.entry(key)]);
        // A key that cannot be carried (too large, a field name that is not UTF-8) is dead-lettered, not drift.
        if (held && typeof changeOf(mapping, held) === "string") return false;
        if (!held) {
          if (!item) return false;
          const owners = await Promise.all(sharing.map(async (m) => (await this.held(m, keyOfPartitionKey(m, value))) !== undefined));
          return !owners.includes(true);
        }
        return !item || !reader.same(held, item);
      }),
    );
    return keys.filter((_, i) => verdicts[i]);
  }

  /** What the key holds, read as the listener reads it; undefined when it is gone or of a type the mapping does not carry. */
  private async held(mapping: CompiledMapping, key: string): Promise<Snapshot | undefined> {
    const [snapshot] = await this.snapshots.take([key]);
    return snapshot.type === "none" || refusedType(mapping, snapshot) ? undefined : snapshot;
  }
}
