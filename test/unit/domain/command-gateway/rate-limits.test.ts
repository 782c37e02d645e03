import { expect } from "chai";
import { RateLimited, RateLimits } from "../../../../domain/command-gateway/rate-limits.js";

describe("domain/command-gateway/rate-limits: a token bucket of requests and one of work per credential", () => {
  it("a burst, then the rate: the request past it is refused with how long to wait; another credential is unaffected", () => {
    let now = 0;
    const rates = new RateLimits({ requestsPerSecond: 2, requestBurst: 3, workPerSecond: 100 }, () => now);
    for (let i = 0; i < 3; i++) rates.admit("a");
    expect(() => rates.admit("a"))
      .to.throw(RateLimited, "ERR rate limited: more than 2 requests per second (burst 3) for this credential; retry after 1 s")
      .with.property("retryAfterSeconds", 1);
    rates.admit("b");
    now = 500; // half a second refills one request
    rates.admit("a");
    expect(() => rates.admit("a")).to.throw(RateLimited);
  });

  it("work is charged per request and refills by the second; a request's work past a second's worth waits for it", () => {
    let now = 0;
    const rates = new RateLimits({ requestsPerSecond: 100, requestBurst: 100, workPerSecond: 100 }, () => now);
    rates.charge("a", 80);
    expect(() => rates.charge("a", 30)).to.throw(RateLimited, /more than 100 elements of work per second/);
    now = 1_000;
    rates.charge("a", 30);
    rates.charge("a", 0);
  });
});
