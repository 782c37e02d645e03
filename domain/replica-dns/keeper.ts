// ReplicaDnsKeeper: on any relevant event (or the schedule), describe the group and apply one change batch.
import type { Logger } from "../runtime/log.js";
import { PathMetrics } from "../runtime/metrics.js";
import { NamingError, TopologyError } from "./errors.js";
import type { Invocation } from "./events.js";
import { planRecordChanges, validateNaming, type CacheNode, type RecordChange, type RecordNaming, type RecordSet } from "./planner.js";

export interface TopologySource {
  /** Every node of the group with its current role. */
  nodes(): Promise<CacheNode[]>;
}

export interface RecordZone {
  /** The zone's name, absolute (`cache.internal.`). */
  name(): Promise<string>;
  records(): Promise<RecordSet[]>;
  /** Applies every change at once (Route 53: one all-or-nothing ChangeResourceRecordSets). */
  apply(changes: RecordChange[]): Promise<void>;
}

export interface KeeperConfig {
  groupId: string;
  /** Names relative to nothing: absolute names, checked against the zone's real name at start. */
  naming: Omit<RecordNaming, "zone">;
}

export interface KeeperResult {
  trigger: Invocation["trigger"];
  events: number;
  changes: RecordChange[];
  /** Why nothing was changed although the zone was checked: the topology was unsettled or unreadable. */
  held?: string;
}

export class ReplicaDnsKeeper {
  private naming?: RecordNaming;
  /** Runs that changed nothing because the topology could not be trusted (also logged as warnings). */
  readonly counters = { held: 0 };

  constructor(
    private readonly topology: TopologySource,
    private readonly zone: RecordZone,
    private readonly config: KeeperConfig,
    private readonly log: Logger,
    /** Each run, its changes and whether it held (flushed by the caller). */
    private readonly metrics = new PathMetrics("replica-dns", () => {}),
  ) {}

  /** Checks the zone exists and every name lies inside it; throws a clear error otherwise. */
  async start(): Promise<RecordNaming> {
    this.naming ??= validateNaming({ ...this.config.naming, zone: await this.zone.name() });
    return this.naming;
  }

  async handle(invocation: Invocation): Promise<KeeperResult> {
    this.metrics.add("KeeperRuns", 1);
    const result = await this.check(invocation);
    this.metrics.add("KeeperChanges", result.changes.length);
    this.metrics.add("KeeperHeld", result.held ? 1 : 0);
    return result;
  }

  private async check(invocation: Invocation): Promise<KeeperResult> {
    const naming = await this.start();
    for (const ignored of invocation.ignored) this.log.info("event ignored", { ...ignored });
    const result: KeeperResult = { trigger: invocation.trigger, events: invocation.relevant.length, changes: [] };
    if (invocation.trigger === "sns" && invocation.relevant.length === 0) return result;

    // Whatever the events say, the group's current state is the truth: duplicates and reordering are harmless.
    let nodes: CacheNode[];
    try {
      const [topology, records] = await Promise.all([this.topology.nodes(), this.zone.records()]);
      nodes = topology;
      result.changes = planRecordChanges(nodes, records, naming);
    } catch (error) {
      this.hold(error, result);
      return result;
    }
    if (result.changes.length > 0) await this.zone.apply(result.changes);
    // A quiet scheduled check is the common case; it is not worth a log line every minute.
    if (result.changes.length === 0 && invocation.trigger === "schedule") return result;
    this.log.info("replica records checked", {
      trigger: invocation.trigger,
      events: invocation.relevant.map((e) => `${e.type}:${e.source}`),
      nodes: nodes.map((n) => `${n.id}=${n.role}`),
      changes: result.changes.map((c) => `${c.action} ${c.record.name}${c.record.setIdentifier ? `[${c.record.setIdentifier}]` : ""} -> ${c.record.value}`),
    });
    return result;
  }

  /**
   * Fail safe: a topology that is unsettled, ambiguous or could not be read changes nothing; the next
   * event or scheduled run retries. A missing group or zone is a deployment error and still throws.
   */
  private hold(error: unknown, result: KeeperResult): void {
    if (error instanceof TopologyError || error instanceof NamingError) throw error;
    result.held = error instanceof Error ? error.message : String(error);
    this.counters.held++;
    this.log.warn("replica records left unchanged", { trigger: result.trigger, reason: result.held, held: this.counters.held });
  }
}
