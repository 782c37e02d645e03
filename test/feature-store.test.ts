import { expect } from "chai";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Redis } from "ioredis";
import { connectRedisOrCluster, primaryNodes } from "../domain/redis/clients.js";
import { readFileSync } from "node:fs";
import { currentVersionKey, userKey } from "../domain/feature-store/keys.js";
import { parseRecommendations, type ParsedRecord } from "../domain/feature-store/records.js";
import { CurrentVersion, readRecommendations } from "../domain/feature-store/reader.js";
import { defaultLoaderConfig, RecommendationLoader } from "../domain/feature-store/loader.js";
import { loadObjectsOfEvent } from "../domain/feature-store/s3-event.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { generateRecommendations } from "../local/dev/sample-recommendations.js";
import { startFeatureServer } from "../local/servers/feature-server.js";
import { startCluster, startRedis, startS3, type HttpService, type RedisNode, type S3Service } from "../local/launcher/services.js";
import { localS3 } from "../local/aws/aws-clients.js";
import { eventually } from "./harness/eventually.js";

const original = readFileSync("test/fixtures/batchpredictions.json", "utf8");
async function* chunked(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
const parseAll = async (text: string, size = 1 << 16) => {
  const out: ParsedRecord[] = [];
  for await (const r of parseRecommendations(chunked(text, size))) out.push(r);
  return out;
};
const s3Event = (bucket: string, key: string) => ({ Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: bucket }, object: { key } } }] });
const collect = async (gen: AsyncIterable<string>) => {
  let text = "";
  for await (const chunk of gen) text += chunk;
  return text;
};

describe("feature store", function () {
  this.timeout(60_000);

  describe("streaming parser", () => {
    it("reads the original's pandas orient=table format, whatever the chunk size", async () => {
      for (const size of [1, 7, 1 << 16]) {
        const records = await parseAll(original, size);
        expect(
          records.map((r) => (r.ok ? r.value : r.bad)),
          `chunks of ${size}`,
        ).to.deep.equal([
          { userId: "1", movieIds: ["2012", "553", "780"] },
          { userId: "2", movieIds: ["1704"] },
        ]);
      }
    });

    it("reads JSON Lines", async () => {
      const records = await parseAll('{"userId":1,"movieId":[5,6]}\n\n{"userId":"2","movieId":[]}\n');
      expect(records.map((r) => r.ok && r.value)).to.deep.equal([
        { userId: "1", movieIds: ["5", "6"] },
        { userId: "2", movieIds: [] },
      ]);
    });

    it("reports malformed records with line numbers and reasons, and keeps the rest", async () => {
      const lines = [
        '{"userId":1,"movieId":[10]}',
        '{"userId":2,"movieId":[20,}',
        '{"movieId":[30]}',
        '{"userId":4,"movieId":"40"}',
        '{"userId":5,"movieId":[50,"x y"]}',
        "[1,2]",
        '{"userId":7,"movieId":[70]}',
      ].join("\n");
      const records = await parseAll(lines);
      expect(records.filter((r) => r.ok).map((r) => r.ok && r.value.userId)).to.deep.equal(["1", "7"]);
      expect(
        records.filter((r) => !r.ok).map((r) => !r.ok && `${r.bad.line}: ${r.bad.reason.replace(/^(not valid JSON \(Unexpected token '}').*$/, "$1")}`),
      ).to.deep.equal([
        "2: not valid JSON (Unexpected token '}'",
        "3: userId is missing",
        "4: movieId must be a list of movie ids, got string",
        '5: movieId[1] "x y" is not a movie id',
        "6: record is not a JSON object",
      ]);
    });

    it("reports bad records inside the table format with their line", async () => {
      const text = '{"data":[\n{"userId":1,"movieId":[1]},\n{"userId":true,"movieId":[2]},\n{"userId":3,"movieId":[3]}\n]}';
      const records = await parseAll(text, 5);
      expect(records.map((r) => (r.ok ? `ok ${r.value.userId}` : `line ${r.bad.line} record ${r.bad.record}: ${r.bad.reason}`))).to.deep.equal([
        "ok 1",
        "line 3 record 2: userId true is not a non-negative integer",
        "ok 3",
      ]);
    });

    it("says so when a file is truncated or not a recommendations file", async () => {
      const truncated = await parseAll('{"data":[{"userId":1,"movieId":[1]}');
      expect(truncated.map((r) => !r.ok && r.bad.reason)).to.include("file ends before its JSON closes (truncated?)");
      expect((await parseAll('{"data":[{"userId":1,"movie')).map((r) => !r.ok && r.bad.reason)).to.include("file ends inside a record (truncated?)");
      expect(truncated.filter((r) => !r.ok).every((r) => !r.ok && r.bad.wholeFile)).to.equal(true);
      expect((await parseAll('{"rows":[]}')).map((r) => !r.ok && r.bad.reason)[0]).to.match(/no "data" list found/);
    });
  });

  describe("loader and reader on a real redis-server and s3rver", () => {
    let node: RedisNode;
    let s3: S3Service;
    let s3Client: S3Client;
    let redis: Redis;
    let loader: RecommendationLoader;
    let reader: HttpService;
    const log = memoryLogger();
    const put = (key: string, body: string) => s3Client.send(new PutObjectCommand({ Bucket: "batch", Key: key, Body: Buffer.from(body) }));
    const load = (key: string) => loadObjectsOfEvent(s3Client, loader, s3Event("batch", key));
    const get = (path: string, accept = "text/plain") => fetch(`${reader.endpoint}${path}`, { headers: { accept } });

    before(async () => {
      [node, s3] = await Promise.all([startRedis(), startS3()]);
      s3Client = localS3(s3.endpoint);
      await s3Client.send(new CreateBucketCommand({ Bucket: "batch" }));
      redis = new Redis(node.url, { enableAutoPipelining: true });
      loader = new RecommendationLoader(redis, log, { ...defaultLoaderConfig, batchUsers: 50, progressEvery: 100 });
      reader = await startFeatureServer(redis);
    });
    after(async () => {
      await reader.stop();
      redis.disconnect();
      s3Client.destroy();
      await Promise.all([node.stop(), s3.stop()]);
    });

    it("answers the original's question: user 1, rank 1 -> 2012", async () => {
      await put("batchpredictions.json", original);
      const [report] = await load("batchpredictions.json");
      expect(report).to.include({ status: "loaded", users: 2, recommendations: 4, badRecords: 0 });
      const response = await get("/recommendations?userId=1&rank=1");
      expect(response.status).to.equal(200);
      expect(await response.text()).to.equal("The number 1 recommended movie for user 1 is 2012");
      const json = await get("/recommendations?userId=1&rank=1", "application/json");
      expect(await json.json()).to.deep.equal({ userId: 1, rank: 1, movieId: 2012, version: report.version });
      expect(await (await get("/recommendations?userId=1", "application/json")).json()).to.deep.equal({
        userId: 1,
        version: report.version,
        movieIds: [2012, 553, 780],
      });
      expect(await (await get("/recommendations?userId=1")).text()).to.equal("The recommended movies for user 1 are 2012, 553, 780");
    });

    it("answers bad parameters with 400 and the reason, unknown user or rank with 404", async () => {
      for (const [path, status, body] of [
        ["/recommendations", 400, "userId is required, e.g. /recommendations?userId=1&rank=1"],
        ["/recommendations?userId=1&rank=0", 400, 'rank "0" must be a whole number from 1'],
        ["/recommendations?userId=1&rank=abc", 400, 'rank "abc" must be a whole number from 1'],
        ["/recommendations?userId=a%20b", 400, 'userId "a b" is not a valid user id'],
        ["/recommendations?userId=99&rank=1", 404, "There are no recommended movies for user 99"],
        ["/recommendations?userId=2&rank=5", 404, "There is no number 5 recommended movie for user 2"],
      ] as [string, number, string][]) {
        const response = await get(path);
        expect(response.status, path).to.equal(status);
        expect(await response.text(), path).to.equal(body);
      }
    });

    it("loading the same object twice is idempotent", async () => {
      const before = await redis.get(currentVersionKey);
      const [again] = await load("batchpredictions.json");
      expect(again.status).to.equal("already-current");
      expect(await redis.get(currentVersionKey)).to.equal(before);
    });

    it("a file with malformed records: they are reported with line numbers, all others load, and the report is in Redis", async () => {
      const lines = Array.from({ length: 300 }, (_, i) =>
        i % 100 === 41 ? `{"userId":${i + 1},"movieId":[oops]}` : `{"userId":${i + 1},"movieId":[${i + 1000}]}`,
      );
      await put("mixed.jsonl", lines.join("\n"));
      const [report] = await load("mixed.jsonl");
      expect(report).to.include({ status: "loaded", users: 297, badRecords: 3 });
      expect(report.badRecordList.map((b) => b.line)).to.deep.equal([42, 142, 242]);
      expect(report.badRecordList[0].reason).to.match(/^not valid JSON/);
      expect(await (await get("/recommendations?userId=300&rank=1")).text()).to.equal("The number 1 recommended movie for user 300 is 1299");
      const stored = (await (await get("/recommendations/report")).json()) as { users: number; badRecords: number };
      expect(stored).to.include({ users: 297, badRecords: 3 });
      expect(log.entries.filter((e) => e.message === "load progress").length).to.be.greaterThan(0);
    });

    it("a load that fails midway leaves the current version serving and removes its partial keys", async () => {
      const current = await redis.get(currentVersionKey);
      async function* broken() {
        yield '{"userId":1,"movieId":[1]}\n{"userId":2,"movieId":[2]}\n';
        throw new Error("connection reset by S3");
      }
      const report = await loader.load({ uri: "s3://batch/broken.jsonl", etag: "x", chunks: broken() });
      expect(report.status).to.equal("failed");
      expect(report.error).to.equal("connection reset by S3");
      expect(await redis.get(currentVersionKey)).to.equal(current);
      expect(await redis.exists(userKey(report.version, "1"))).to.equal(0);
      expect(await (await get("/recommendations?userId=300&rank=1")).text()).to.equal("The number 1 recommended movie for user 300 is 1299");
    });

    it("a reader hammering the API during a load never sees a mixed or empty result", async () => {
      const file = (movie: number) => Array.from({ length: 2_000 }, (_, i) => `{"userId":${i + 1},"movieId":[${movie},${movie},${movie}]}`).join("\n");
      await put("v1.jsonl", file(111));
      await load("v1.jsonl");
      // Readers refresh their view of the current version within 500 ms; start once they serve v1.
      await eventually(
        "readers to serve v1",
        async () => (await get("/recommendations?userId=1")).text(),
        (t) => t.endsWith("111, 111, 111"),
        5_000,
        50,
      );
      await put("v2.jsonl", file(222));
      let loading = true;
      const seen = new Set<string>();
      const hammer = async () => {
        let i = 0;
        while (loading) {
          const userId = 1 + ((i++ * 7919) % 2_000);
          const response = await get(`/recommendations?userId=${userId}`, "application/json");
          expect(response.status, `user ${userId}`).to.equal(200);
          const { movieIds } = (await response.json()) as { movieIds: number[] };
          expect(new Set(movieIds).size, `user ${userId}: ${movieIds}`).to.equal(1);
          expect(movieIds).to.have.length(3);
          seen.add(String(movieIds[0]));
        }
      };
      const readers = [hammer(), hammer(), hammer()];
      const [report] = await load("v2.jsonl");
      // Readers refresh their view within 500 ms: hammer until every reader path has served v2.
      await eventually(
        "readers to serve v2",
        async () => seen.has("222"),
        (served) => served,
        10_000,
        50,
      );
      loading = false;
      await Promise.all(readers);
      expect(report.status).to.equal("loaded");
      expect([...seen].sort()).to.deep.equal(["111", "222"]);
    });

    it("keeps the previous version for rollback with a TTL and removes older ones", async () => {
      const [v3] = await loadObjectsOfEvent(s3Client, loader, { bucket: "batch", key: "batchpredictions.json", allowShrink: true }); // 2 users after 2,000
      const previous = await redis.get("recs:previous");
      expect(previous).to.be.a("string");
      expect(await redis.ttl(userKey(previous!, "1"))).to.be.within(1, defaultLoaderConfig.previousVersionTtlSeconds);
      // Only the current and the previous version's keys remain.
      const versions = new Set((await redis.keys("recs:{*}:*")).map((k) => k.split(":").pop()));
      expect([...versions].sort()).to.deep.equal([v3.version, previous].sort());
      expect(await loader.rollback()).to.equal(previous);
      expect(await redis.get(currentVersionKey)).to.equal(previous);
    });

    it("loads the generated format too (original layout, 5,000 users x 10)", async () => {
      await put("generated.json", await collect(generateRecommendations({ users: 5_000, ranks: 10, format: "table" })));
      const [report] = await load("generated.json");
      expect(report).to.include({ status: "loaded", users: 5_000, recommendations: 50_000, badRecords: 0 });
    });
  });

  it("cluster mode: loads and reads on a three-primary Redis Cluster, each user's keys on one shard", async () => {
    const cluster = await startCluster({ primaries: 3 });
    const client = await connectRedisOrCluster({ url: cluster.nodes[0].url, cluster: true });
    try {
      const loader = new RecommendationLoader(client, memoryLogger(), { ...defaultLoaderConfig, batchUsers: 100 });
      const report = await loader.load({
        uri: "s3://batch/cluster.json",
        etag: "1",
        chunks: generateRecommendations({ users: 1_000, ranks: 5, format: "table" }),
      });
      expect(report).to.include({ status: "loaded", users: 1_000, recommendations: 5_000 });
      const perNode = await Promise.all(primaryNodes(client).map((n) => n.dbsize()));
      expect(
        perNode.every((n) => n > 100),
        `keys per primary: ${perNode}`,
      ).to.equal(true);
      const current = new CurrentVersion(client);
      for (const userId of ["1", "500", "1000"]) {
        const reply = await readRecommendations(client, current, {
          method: "GET",
          path: "/recommendations",
          query: new URLSearchParams({ userId, rank: "1" }),
          headers: { accept: "application/json" },
          body: "",
        });
        expect(reply.status, String(reply.body)).to.equal(200);
        expect(JSON.parse(String(reply.body))).to.include({ userId: Number(userId), rank: 1, version: report.version });
      }
      const second = await loader.load({
        uri: "s3://batch/cluster2.json",
        etag: "2",
        chunks: generateRecommendations({ users: 1_000, ranks: 5, format: "lines", seed: 9 }),
      });
      expect(second.status).to.equal("loaded");
      const ttl = await client.ttl(userKey(report.version, "1"));
      expect(ttl).to.be.within(1, defaultLoaderConfig.previousVersionTtlSeconds);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });
});
