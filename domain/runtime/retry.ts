// Exponential backoff with full jitter (AWS Architecture Blog), for throttled or partially failed calls.
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 6, baseMs: 50, maxMs: 2_000 };

export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxMs, policy.baseMs * 2 ** attempt));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `fn` until it succeeds, `isRetryable` says no, or attempts run out; the last error is thrown. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  policy: RetryPolicy = defaultRetryPolicy,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt + 1 >= policy.attempts || !isRetryable(error)) throw error;
      await wait(backoffDelay(attempt, policy));
    }
  }
}
