import { expect } from "chai";
import { Redis } from "ioredis";
import { currentVersionKey, userKey } from "../domain/feature-store/keys.js";
import { featureLoaderConfig } from "../functions/feature-loader/config.js";
import { defaultLoaderConfig, RecommendationLoader } from "../domain/feature-store/loader.js";
import { ConfigError } from "../domain/runtime/errors.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { startRedis, type RedisNode } from "../local/launcher/services.js";

async function* lines(movie: number) {
  yield `{"userId":1,"movieId":[${movie}]}\n{"userId":2,"movieId":[${movie}]}\n`;
}

describe("feature loader: configuration errors never destroy data", function () {
  this.timeout(20_000);
  let node: RedisNode;
  let redis: Redis;
  before(async () => {
    node = await startRedis();
    redis = new Redis(node.url, { enableAutoPipelining: true });
  });
  after(async () => {
    redis.disconnect();
    await node.stop();
  });

  it("a setting that is not a valid value stops the function at init, naming the variable", () => {
    const env = { REDIS_URL: "rediss://cache.example.internal:6379" };
    expect(() => featureLoaderConfig({ ...env, PREVIOUS_VERSION_TTL_SECONDS: "one hour" })).to.throw(
      ConfigError,
      /^PREVIOUS_VERSION_TTL_SECONDS must be a whole number > 0, got "one hour"$/,
    );
    expect(() => featureLoaderConfig({ ...env, PREVIOUS_VERSION_TTL_SECONDS: "0" })).to.throw(ConfigError, /PREVIOUS_VERSION_TTL_SECONDS/);
    expect(() => featureLoaderConfig({ ...env, WAIT_FOR_REPLICAS: "-1" })).to.throw(ConfigError, /WAIT_FOR_REPLICAS must be a whole number >= 0/);
    expect(() => featureLoaderConfig({ REDIS_URL: "http://cache:6379" })).to.throw(ConfigError, /not a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => featureLoaderConfig({})).to.throw(ConfigError, /^REDIS_URL is not set/);
    expect(featureLoaderConfig({ ...env, WAIT_FOR_REPLICAS: "1" }).loader).to.deep.include({ waitForReplicas: 1, previousVersionTtlSeconds: 3_600 });
  });

  it("the loader refuses a TTL that is not a whole number before it writes anything", () => {
    expect(() => new RecommendationLoader(redis, memoryLogger(), { ...defaultLoaderConfig, previousVersionTtlSeconds: NaN })).to.throw(
      ConfigError,
      /previousVersionTtlSeconds/,
    );
  });

  it("a publish that fails after the pointer switch leaves the pointer on a version that exists", async () => {
    await new RecommendationLoader(redis, memoryLogger()).load({ uri: "s3://b/v1.jsonl", etag: "1", chunks: lines(111) });
    // Every SET with a TTL fails, as the one that keeps the previous version would.
    const failingTtl = new Proxy(redis, {
      get(target, property, receiver) {
        if (property === "set")
          return (...args: unknown[]) =>
            args.includes("EX") ? Promise.reject(new Error("ERR invalid expire time in 'set' command")) : target.set(...(args as [string, string]));
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const log = memoryLogger();
    const report = await new RecommendationLoader(failingTtl, log).load({ uri: "s3://b/v2.jsonl", etag: "2", chunks: lines(222) });
    const pointer = await redis.get(currentVersionKey);
    expect(pointer).to.equal(report.version);
    expect(await redis.hget(userKey(pointer!, "1"), "1")).to.equal("222");
    expect(report.error).to.match(/^published, but cleaning up older versions failed: ERR invalid expire time/);
    expect(log.entries.some((e) => e.message === "cleanup after publishing failed")).to.equal(true);
  });
});
