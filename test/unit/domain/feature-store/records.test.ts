import { expect } from "chai";
import { parseRecommendations, toRecommendation, type ParsedRecord } from "../../../../domain/feature-store/records.js";

async function* chunked(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
const collect = async (text: string, size = 7) => {
  const out: ParsedRecord[] = [];
  for await (const record of parseRecommendations(chunked(text, size))) out.push(record);
  return out;
};

describe("domain/feature-store/records: the nightly file, streamed record by record", () => {
  it("a record is a user id and a list of movie ids; the reason names the field that is wrong", () => {
    expect(toRecommendation({ userId: 1, movieId: [10, "m-2"] })).to.deep.equal({ userId: "1", movieIds: ["10", "m-2"] });
    expect(toRecommendation([])).to.equal("record is not a JSON object");
    expect(toRecommendation({ movieId: [] })).to.equal("userId is missing");
    expect(toRecommendation({ userId: -1, movieId: [] })).to.match(/userId -1 is not/);
    expect(toRecommendation({ userId: 1, movieId: [1, "a b"] })).to.equal('movieId[1] "a b" is not a movie id');
  });

  it("pandas orient=table and JSON Lines, split anywhere, give the same records; a bad one is reported, the rest kept", async () => {
    const table =
      '{"schema":{"fields":[]},"data":[{"index":0,"movieId":[1,2],"userId":1},{"index":1,"movieId":"x","userId":2},{"index":2,"movieId":[3],"userId":3}]}';
    const lines = '{"movieId":[1,2],"userId":1}\n{"movieId":"x","userId":2}\n{"movieId":[3],"userId":3}\n';
    for (const text of [table, lines]) {
      const records = await collect(text);
      expect(records.filter((r) => r.ok).map((r) => (r.ok ? r.value.userId : ""))).to.deep.equal(["1", "3"]);
      const bad = records.find((r) => !r.ok);
      expect(bad && !bad.ok && bad.bad.reason).to.match(/movieId must be a list/);
    }
  });
});
