import { expect } from "chai";
import { backoffDelay, withRetry } from "../../../../domain/runtime/retry.js";

describe("domain/runtime/retry: exponential backoff with full jitter", () => {
  const policy = { attempts: 4, baseMs: 50, maxMs: 300 };

  it("the delay is a random share of base * 2^attempt, capped at the maximum", () => {
    expect(backoffDelay(0, policy, () => 0.999)).to.equal(49);
    expect(backoffDelay(2, policy, () => 0.5)).to.equal(100);
    expect(backoffDelay(10, policy, () => 0.999)).to.equal(299);
    expect(backoffDelay(3, policy, () => 0)).to.equal(0);
  });

  it("retries what is retryable until it succeeds; waits between attempts, not after the last", async () => {
    const waits: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 3) throw new Error("throttled");
        return "ok";
      },
      () => true,
      policy,
      async (ms) => void waits.push(ms),
    );
    expect([value, calls, waits.length]).to.deep.equal(["ok", 3, 2]);
  });

  it("throws the last error once attempts run out, and at once for what is not retryable", async () => {
    let calls = 0;
    const failing = () =>
      withRetry(
        async () => Promise.reject(new Error(`attempt ${++calls}`)),
        () => true,
        policy,
        async () => {},
      );
    await failing().then(
      () => expect.fail("resolved"),
      (e: Error) => expect(e.message).to.equal("attempt 4"),
    );
    calls = 0;
    await withRetry(
      async () => Promise.reject(new Error(`attempt ${++calls}`)),
      () => false,
      policy,
      async () => {},
    ).catch(() => undefined);
    expect(calls).to.equal(1);
  });
});
