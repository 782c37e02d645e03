// Rescans: what a subscriber that was away (a restart, a reconnect, a new mapping) did not hear is
// found by SCANning the mapped patterns on every primary; with `deletes`, entries whose Redis key is gone
// are found by reading the destination (a DynamoDB or SQL table). Each found key is journaled, so its
// snapshot decides what it becomes. A requested rescan stays pending until it completes: one that fails
// (the table unreachable at start) is tried again with a backoff, never dropped.
import type { Cluster, Redis } from "ioredis";
import { errorMessage } from "../../runtime/errors.js";
import { scanPrimaries } from "../../redis/clients.js";
import { backoffDelay, sleep } from "../../runtime/retry.js";
import { partitionKeyOf, type CompiledMapping } from "../mappings.js";
import { readerOf, type Destinations } from "../destination-reader.js";

export interface RescanEvents {
  /** A mapping's rescan completed: `queued` keys journaled. */
  done(mapping: string, queued: number, deletes: boolean): void;
  /** A mapping's rescan failed; it stays pending and is tried again. */
  failed(mapping: string, error: unknown): void;
}

export interface RescanStatus {
  /** Mappings whose rescan is requested and not yet complete. */
  pending: string[];
  /** Failed attempts since the last completed rescan. */
  failures: number;
  lastError: string | null;
}

interface Request {
  mapping: CompiledMapping;
  deletes: boolean;
}

export class Rescanner {
  /** Mapping name -> what is asked of its next rescan (a later request for the same mapping widens it). */
  private readonly pending = new Map<string, Request>();
  private draining?: Promise<void>;
  private failures = 0;
  private lastError: string | null = null;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly destinations: Destinations,
    /** Journals the keys found. */
    private readonly enqueue: (keys: string[]) => void,
    /** False once the listener stops: a long rescan, or the wait before a retry, ends early. */
    private readonly running: () => boolean,
    /** Resolves when the listener stops. */
    private readonly stopping: () => Promise<void>,
    private readonly events: RescanEvents,
  ) {}

  /** Asks for a rescan of `mappings` (with `deletes`: also of their tables); it runs until it completes. */
  request(mappings: CompiledMapping[], deletes: boolean): void {
    for (const mapping of mappings) {
      const before = this.pending.get(mapping.name);
      this.pending.set(mapping.name, { mapping, deletes: deletes || (before?.deletes ?? false) });
    }
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Settles when nothing is pending (or the listener stopped). */
  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  status(): RescanStatus {
    return { pending: [...this.pending.keys()], failures: this.failures, lastError: this.lastError };
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && this.running()) {
      const [name, request] = this.pending.entries().next().value!;
      try {
        const queued = await this.rescan(request.mapping, request.deletes);
        // A request that arrived while this one ran (a reattach, a reload) runs again.
        if (this.pending.get(name) === request) this.pending.delete(name);
        this.failures = 0;
        this.lastError = null;
        this.events.done(name, queued, request.deletes);
      } catch (error) {
        this.failures++;
        this.lastError = `${name}: ${errorMessage(error)}`;
        this.events.failed(name, error);
        await Promise.race([sleep(backoffDelay(Math.min(this.failures, 6), { attempts: 0, baseMs: 200, maxMs: 5_000 })), this.stopping()]);
      }
    }
  }

  /** Queues every key the mapping covers (and, with `deletes`, every live item whose key is gone); the number queued. */
  private async rescan(mapping: CompiledMapping, deletes: boolean): Promise<number> {
    let queued = 0;
    for await (const { keys } of scanPrimaries(this.client, mapping.scanPattern)) {
      const covered = keys.filter((k) => partitionKeyOf(mapping, k) !== undefined);
      this.enqueue(covered);
      queued += covered.length;
      if (!this.running()) return queued;
    }
    if (deletes) queued += await this.orphans(mapping);
    return queued;
  }

  /** Live entries of the destination whose Redis key no longer exists: queued, so their snapshot turns them into deletes. */
  private async orphans(mapping: CompiledMapping): Promise<number> {
    let queued = 0;
    for await (const page of readerOf(mapping, this.destinations).pages()) {
      const keys = [...page.keys()];
      const exists = await Promise.all(keys.map((k) => this.client.exists(k)));
      const gone = keys.filter((_, i) => exists[i] === 0);
      this.enqueue(gone);
      queued += gone.length;
      if (!this.running()) break;
    }
    return queued;
  }
}
