// The mappings in force: read from the mappings hash (bounded, each entry parsed on its own), each
// mapping's destination checked when it loads (a missing table is said then, not after failed writes),
// and the refused ones published where a redis-cli user and an operator look: a hash in Redis, the
// health file, a metric and the log. Writes to the hash coalesce: one reload at a time, at most one more.
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "../../runtime/log.js";
import { describeMapping, mappingChanges, readMappingsHash } from "../mapping-source.js";
import type { CompiledMapping } from "../mappings.js";

export interface ActiveMappingsConfig {
  mappingsKey: string;
  /** Hash: refused mapping -> why (`HGETALL changefeed:mappings-refused`). */
  refusedMappingsKey: string;
  /** A mapping whose pattern has no literal text (`{id}`, `*`) copies every hash in Redis: refused unless true. */
  allowCatchAllMappings: boolean;
}

export interface ActiveMappingsHooks {
  /** Mappings added or re-pointed: their existing keys are to be copied. */
  changed(mappings: CompiledMapping[]): void;
  error(what: string, error: unknown): void;
}

/** Why a mapping's destination cannot take writes (its table is missing, say), or undefined when it can. */
export type DestinationCheck = (mapping: CompiledMapping) => Promise<string | undefined>;

export class ActiveMappings {
  mappings: CompiledMapping[] = [];
  /** Refused mapping -> why, as of the last reload. */
  refused = new Map<string, string>();
  private reloading?: Promise<void>;
  private reloadAgain = false;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly config: ActiveMappingsConfig,
    private readonly check: DestinationCheck,
    private readonly log: Logger,
    private readonly hooks: ActiveMappingsHooks,
  ) {}

  /** Re-reads the hash; a bad entry, or one whose destination cannot take writes, is refused with its reason, never fatal. */
  async reload(): Promise<void> {
    const read = await readMappingsHash(this.client, this.config.mappingsKey, { allowCatchAll: this.config.allowCatchAllMappings });
    const mappings: CompiledMapping[] = [];
    for (const mapping of read.mappings) {
      const why = await this.check(mapping);
      if (why) read.refused.set(mapping.name, `mapping "${mapping.name}": ${why}`);
      else mappings.push(mapping);
    }
    await this.publishRefused(read.refused);
    const { added, removed, changed } = mappingChanges(this.mappings, mappings);
    this.mappings = mappings;
    if (added.length + removed.length + changed.length > 0) {
      this.log.info("mappings changed", { added: added.map(describeMapping), removed, changed: changed.map(describeMapping) });
    }
    if (added.length + changed.length) this.hooks.changed([...added, ...changed]);
  }

  /** A write to the hash: reload, coalesced with the writes that come while one runs. */
  schedule(running: () => boolean): void {
    if (this.reloading) return void (this.reloadAgain = true);
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        await this.reload().catch((e) => this.hooks.error("mapping reload failed", e));
      } while (this.reloadAgain && running());
    })().finally(() => (this.reloading = undefined));
  }

  /** Logs a refusal once, when it changes, and keeps the refused hash equal to the refusals (no MULTI: the listener's user has none). */
  private async publishRefused(refused: Map<string, string>): Promise<void> {
    for (const [mapping, reason] of refused) if (this.refused.get(mapping) !== reason) this.log.error("mapping refused", { mapping, reason });
    this.refused = refused;
    const key = this.config.refusedMappingsKey;
    // What the hash holds, not what this process last wrote: a refusal from before a restart goes too.
    const gone = (await this.client.hkeys(key)).filter((name) => !refused.has(name));
    if (gone.length) await this.client.hdel(key, ...gone);
    if (refused.size) await this.client.hset(key, ...[...refused].flat());
  }
}
