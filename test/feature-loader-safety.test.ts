import { expect } from "chai";
import { Redis } from "ioredis";
import { currentVersionKey, userKey } from "../domain/feature-store/keys.js";
import { featureLoaderConfig } from "../functions/feature-loader/config.js";
import { defaultLoaderConfig, RecommendationLoader } from "../domain/feature-store/loader.js";
import { ConfigError } from "../domain/runtime/errors.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { startRedis, startS3, type RedisNode, type S3Service } from "../local/launcher/services.js";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { lastReportKey, previousVersionKey } from "../domain/feature-store/keys.js";
import { loadObjectsOfEvent } from "../domain/feature-store/s3-event.js";
import { PathMetrics } from "../domain/runtime/metrics.js";
import { localS3 } from "../local/aws/aws-clients.js";

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

describe("feature loader: a bad file never replaces good data", function () {
  this.timeout(60_000);
  let node: RedisNode;
  let s3: S3Service;
  let s3Client: S3Client;
  let redis: Redis;
  const put = (key: string, body: string) => s3Client.send(new PutObjectCommand({ Bucket: "batch", Key: key, Body: Buffer.from(body) }));
  const s3Event = (bucket: string, key: string) => ({ Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: bucket }, object: { key } } }] });
  const users = (n: number, movie: number) => Array.from({ length: n }, (_, i) => `{"userId":${i + 1},"movieId":[${movie}]}`).join("\n");
  let loader: RecommendationLoader;
  const load = (key: string) => loadObjectsOfEvent(s3Client, loader, s3Event("batch", key));

  before(async () => {
    [node, s3] = await Promise.all([startRedis(), startS3()]);
    s3Client = localS3(s3.endpoint);
    await s3Client.send(new CreateBucketCommand({ Bucket: "batch" }));
    redis = new Redis(node.url, { enableAutoPipelining: true });
    loader = new RecommendationLoader(redis, memoryLogger());
    // A served version of 4,000 users and a previous one of 5,000 to roll back to.
    await put("v1.jsonl", users(5_000, 1));
    await put("v2.jsonl", users(4_000, 2));
    for (const key of ["v1.jsonl", "v2.jsonl"]) expect((await load(key))[0].status).to.equal("loaded");
  });
  after(async () => {
    redis.disconnect();
    s3Client.destroy();
    await Promise.all([node.stop(), s3.stop()]);
  });

  it("a bad file never replaces good data: each is a failed load that says why, counted, with the served and previous versions untouched", async () => {
    const served = await redis.mget(currentVersionKey, previousVersionKey);
    expect(served.every((v) => typeof v === "string")).to.equal(true);
    const failures: number[] = [];
    const sink = (document: Record<string, unknown>) => void (typeof document.LoadFailed === "number" && failures.push(document.LoadFailed));
    const guarded = new RecommendationLoader(redis, memoryLogger(), defaultLoaderConfig, new PathMetrics("feature-store", sink));
    const table = (records: string) => `{"schema":{"fields":[{"name":"userId"},{"name":"movieId"}]},"data":[${records}]}`;
    const files: [string, string, RegExp][] = [
      ["empty.json", "", /not loadable as a whole: no "data" list found/],
      ["users.csv", "userId,movieId\n1,2012\n2,1704\n", /not loadable as a whole: no "data" list found/],
      ["no-data.json", '{"schema":{},"rows":[{"userId":1,"movieId":[1]}]}', /not loadable as a whole: no "data" list found/],
      ["truncated.json", table('{"userId":1,"movieId":[1,2]}').slice(0, -2), /not loadable as a whole: file ends before its JSON closes \(truncated\?\)/],
      ["cut-in-record.json", table('{"userId":1,"movieId":[1,2]},{"userId":2,"movie'), /not loadable as a whole: file ends inside a record/],
      ["all-bad.jsonl", '{"userId":"x","movieId":[1]}\n{"userId":2}\n', /0 good user records, fewer than the minimum of 1 \(2 bad\)/],
      [
        "shrunk.jsonl",
        Array.from({ length: 1_999 }, (_, i) => `{"userId":${i},"movieId":[9]}`).join("\n"),
        /1999 users, fewer than 50% of the 4000 the served version/,
      ],
    ];
    for (const [key, body, reason] of files) {
      await put(key, body);
      const error = await loadObjectsOfEvent(s3Client, guarded, s3Event("batch", key)).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message, key).to.match(reason);
      expect(await redis.mget(currentVersionKey, previousVersionKey), key).to.deep.equal(served);
      for (const version of served) expect(await redis.exists(userKey(version!, "1")), `${key}: ${version} kept`).to.equal(1);
      const report = JSON.parse((await redis.get(lastReportKey))!) as { status: string; error: string };
      expect(report.status, key).to.equal("failed");
      expect(report.error, key).to.match(reason);
    }
    expect(failures).to.deep.equal(files.map(() => 1));
  });

  it("a shrink said to be intended (object metadata allow-shrink: true) publishes; a user id that is not a number is a bad record", async () => {
    const body = '{"userId":1,"movieId":[77]}\n{"userId":"x","movieId":[1]}\n{"userId":"2","movieId":[78]}\n';
    await s3Client.send(new PutObjectCommand({ Bucket: "batch", Key: "small.jsonl", Body: body, Metadata: { "allow-shrink": "true" } }));
    const [report] = await load("small.jsonl");
    expect(report).to.include({ status: "loaded", users: 2, badRecords: 1 });
    expect(report.badRecordList[0]).to.deep.include({ line: 2, reason: 'userId "x" is not a non-negative integer' });
    expect(await redis.hget(userKey((await redis.get(currentVersionKey))!, "2"), "1")).to.equal("78");
  });
});
