// What the listener reports every `metricsIntervalMs`: per mapping, the lag from a key's first hint
// to its sink's confirmation (p50, p99) and the items confirmed, dead letters and rescans; for the
// listener, deliveries, the journal's length and the age of its oldest unconfirmed entry, whether it
// is deaf, and a heartbeat whose absence says no listener runs.
import { quantile, type PathMetrics } from "../../runtime/metrics.js";

/** At most this many lag samples per mapping and interval: past it a uniform sample is kept. */
const maxLagSamples = 10_000;

export interface JournalDepth {
  length: number;
  oldestUnconfirmedAgeMs: number;
}

export class FeedMetrics {
  private readonly lags = new Map<string, { samples: number[]; seen: number }>();

  constructor(readonly metrics: PathMetrics) {}

  /** A delivery's confirmed items of one mapping, with each key's lag. */
  delivered(mapping: string, lagsMs: number[]): void {
    let lag = this.lags.get(mapping);
    if (!lag) this.lags.set(mapping, (lag = { samples: [], seen: 0 }));
    for (const ms of lagsMs) {
      lag.seen++;
      if (lag.samples.length < maxLagSamples) lag.samples.push(ms);
      else {
        const slot = Math.floor(Math.random() * lag.seen);
        if (slot < maxLagSamples) lag.samples[slot] = ms;
      }
    }
    this.metrics.add("Items", lagsMs.length, { Mapping: mapping });
  }

  delivery(): void {
    this.metrics.add("Deliveries", 1);
  }

  deadLettered(mapping: string, items: number): void {
    this.metrics.add("DeadLetters", items, { Mapping: mapping });
  }

  rescanned(mapping: string): void {
    this.metrics.add("Rescans", 1, { Mapping: mapping });
  }

  drift(mapping: string, sampled: number, differing: number): void {
    this.metrics.add("DriftSampled", sampled, { Mapping: mapping });
    this.metrics.add("Drift", differing, { Mapping: mapping });
  }

  /** The interval's figures, then a flush. `journal` is undefined when Redis did not answer (then it is not reported). */
  report(state: { deaf: boolean; journal?: JournalDepth; refusedMappings: number }): void {
    for (const [mapping, { samples }] of this.lags) {
      if (!samples.length) continue;
      samples.sort((a, b) => a - b);
      this.metrics.add("LagP50", quantile(samples, 0.5), { Mapping: mapping });
      this.metrics.add("LagP99", quantile(samples, 0.99), { Mapping: mapping });
    }
    this.lags.clear();
    if (state.journal) {
      this.metrics.add("JournalLength", state.journal.length);
      this.metrics.add("OldestUnconfirmedAge", state.journal.oldestUnconfirmedAgeMs / 1000);
    }
    this.metrics.add("Deaf", state.deaf ? 1 : 0);
    this.metrics.add("MappingsRefused", state.refusedMappings);
    this.metrics.add("Heartbeat", 1);
    this.metrics.flush();
  }
}
