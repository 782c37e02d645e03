import { expect } from "chai";
import { redisGlobMatches } from "../../../../domain/redis/glob.js";

// Each case as the engine's stringmatchlen answers it (checked against PSUBSCRIBE on valkey 9.1).
const cases: [pattern: string, text: string, matches: boolean][] = [
  ["*", "", true],
  ["*", "anything", true],
  ["user:*", "user:1", true],
  ["user:*", "users:1", false],
  ["chat:*:messages", "chat:room1:messages", true],
  ["chat:*:messages", "chat:room1:users", false],
  ["h?llo", "hello", true],
  ["h?llo", "hllo", false],
  ["h[ae]llo", "hallo", true],
  ["h[ae]llo", "hillo", false],
  ["h[^e]llo", "hallo", true],
  ["h[^e]llo", "hello", false],
  ["h[a-c]llo", "hbllo", true],
  ["h[c-a]llo", "hbllo", true],
  ["h[a-c]llo", "hdllo", false],
  ["h\\*llo", "h*llo", true],
  ["h\\*llo", "hello", false],
  ["[\\]]x", "]x", true],
  ["a[bc", "ab", true],
  ["a[bc", "ac", true],
  ["a[bc", "ad", false],
  ["**a", "xxa", true],
  ["*a*b*c*", "xaybzc", true],
  ["*a*b*c*", "xaybz", false],
  ["tenant-a:room*", "tenant-a:room1", true],
  ["tenant-a:room*", "tenant-a:lobby", false],
];

describe("domain/redis/glob: Redis's glob, as PSUBSCRIBE reads it", () => {
  for (const [pattern, text, matches] of cases) {
    it(`${JSON.stringify(pattern)} ${matches ? "matches" : "does not match"} ${JSON.stringify(text)}`, () => {
      expect(redisGlobMatches(pattern, text)).to.equal(matches);
    });
  }
});
