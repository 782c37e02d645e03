import { expect } from "chai";
import type { Redis } from "ioredis";
import { currentVersionKey, lastReportKey, userKey, versionsKey } from "../../../../domain/feature-store/keys.js";
import { CurrentVersion, readRecommendations } from "../../../../domain/feature-store/reader.js";

/** The few ioredis calls the reader makes, over an in-memory keyspace. */
function fakeRedis(strings: Record<string, string>, hashes: Record<string, Record<string, string>>) {
  let roundTrips = 0;
  const client = {
    get: async (key: string) => (roundTrips++, strings[key] ?? null),
    hget: async (key: string, field: string) => (roundTrips++, hashes[key]?.[field] ?? null),
    hgetall: async (key: string) => (roundTrips++, hashes[key] ?? {}),
    pipeline() {
      const results: [null, unknown][] = [];
      const pipe = {
        hget: (key: string, field: string) => (results.push([null, hashes[key]?.[field] ?? null]), pipe),
        exists: (key: string) => (results.push([null, key in hashes ? 1 : 0]), pipe),
        exec: async () => (roundTrips++, results),
      };
      return pipe;
    },
  };
  return { client: client as unknown as Redis, roundTrips: () => roundTrips };
}

const get = (path: string, query = "", headers: Record<string, string> = {}) => ({ method: "GET", path, query: new URLSearchParams(query), headers, body: "" });

describe("domain/feature-store/reader: ?userId=1&rank=1 from the current version", () => {
  const hashes = { [userKey("v2", "1")]: { "1": "10", "2": "20" } };
  const strings = { [currentVersionKey]: "v2", [lastReportKey]: '{"status":"loaded"}' };

  it("a rank in one round trip, text or JSON; every rank in order without one", async () => {
    const redis = fakeRedis(strings, hashes);
    const current = new CurrentVersion(redis.client);
    await current.get();
    const before = redis.roundTrips();
    const ranked = await readRecommendations(redis.client, current, get("/recommendations", "userId=1&rank=2"));
    expect([ranked.status, ranked.body]).to.deep.equal([200, "The number 2 recommended movie for user 1 is 20"]);
    expect(redis.roundTrips() - before).to.equal(1);
    const all = await readRecommendations(redis.client, current, get("/recommendations", "userId=1", { accept: "application/json" }));
    expect(JSON.parse(String(all.body))).to.deep.equal({ userId: 1, version: "v2", movieIds: [10, 20] });
  });

  it("bad input names what is wrong; a user or rank without recommendations is a 404; nothing loaded is a 503", async () => {
    const redis = fakeRedis(strings, hashes);
    const current = new CurrentVersion(redis.client);
    const answer = async (query: string) => (await readRecommendations(redis.client, current, get("/recommendations", query))).body;
    expect(await answer("")).to.match(/^userId is required/);
    expect(await answer("userId=a b")).to.equal('userId "a b" is not a valid user id');
    expect(await answer("userId=1&rank=0")).to.equal('rank "0" must be a whole number from 1');
    expect(await answer("userId=1&rank=9")).to.equal("There is no number 9 recommended movie for user 1");
    expect(await answer("userId=2")).to.equal("There are no recommended movies for user 2");
    const empty = fakeRedis({}, {});
    expect((await readRecommendations(empty.client, new CurrentVersion(empty.client), get("/recommendations", "userId=1"))).status).to.equal(503);
    expect(JSON.parse((await readRecommendations(redis.client, current, get("/recommendations/report"))).body.toString())).to.deep.equal({ status: "loaded" });
  });

  it("the current version's age comes from when it was published", async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const redis = fakeRedis(strings, { ...hashes, [versionsKey]: { v2: JSON.stringify({ status: "loaded", at }) } });
    const current = new CurrentVersion(redis.client);
    expect(current.ageSeconds()).to.equal(undefined);
    await current.get();
    expect(current.ageSeconds()).to.be.within(59, 70);
  });
});
