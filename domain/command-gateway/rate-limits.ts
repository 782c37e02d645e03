// Per-caller rates: each API key or token has two token buckets, one of requests and one of work (the
// elements its requests make Redis touch, as the request budget counts them), refilled continuously.
// A request that finds either empty is refused with 429 and how long to wait. Buckets live in the
// process (one Lambda container, or the local server): the edge's own throttling bounds the total.
import { CommandGatewayError } from "./errors.js";
import type { GatewaySettings } from "./settings.js";

/** Too many requests, or too much work, from one caller: retry after `retryAfterSeconds`. */
export class RateLimited extends CommandGatewayError {
  override name = "RateLimited";
  override readonly status = 429;

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

/** At most this many callers' buckets are kept; the longest idle go first (a full bucket is what a new one would be). */
const maxCallers = 10_000;

export class RateLimits {
  private readonly requests = new Map<string, Bucket>();
  private readonly work = new Map<string, Bucket>();

  constructor(
    private readonly settings: Pick<GatewaySettings, "requestsPerSecond" | "requestBurst" | "workPerSecond">,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request from the caller's bucket, or throws RateLimited. */
  admit(caller: string): void {
    const { requestsPerSecond, requestBurst } = this.settings;
    this.take(this.requests, caller, 1, requestsPerSecond, requestBurst, `more than ${requestsPerSecond} requests per second (burst ${requestBurst})`);
  }

  /** Takes a request's work from the caller's bucket (which holds one second of work), or throws RateLimited. */
  charge(caller: string, elements: number): void {
    const { workPerSecond } = this.settings;
    if (elements <= 0) return;
    this.take(this.work, caller, elements, workPerSecond, workPerSecond, `more than ${workPerSecond} elements of work per second`);
  }

  private take(buckets: Map<string, Bucket>, caller: string, cost: number, rate: number, burst: number, what: string): void {
    const now = this.now();
    const bucket = buckets.get(caller) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    buckets.delete(caller);
    buckets.set(caller, bucket);
    if (buckets.size > maxCallers) buckets.delete(buckets.keys().next().value!);
    if (bucket.tokens < cost) {
      const retryAfterSeconds = Math.max(1, Math.ceil((cost - bucket.tokens) / rate));
      throw new RateLimited(`ERR rate limited: ${what} for this credential; retry after ${retryAfterSeconds} s`, retryAfterSeconds);
    }
    bucket.tokens -= cost;
  }
}
