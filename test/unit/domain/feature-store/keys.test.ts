import { expect } from "chai";
import { userKey, versionPattern } from "../../../../domain/feature-store/keys.js";

describe("domain/feature-store/keys: where a version's recommendations live", () => {
  it("a user's key hashes on the user id (one slot per user in cluster mode) and names its version; the pattern finds them all", () => {
    expect(userKey("v1", "42")).to.equal("recs:{42}:v1");
    expect(versionPattern("v1")).to.equal("recs:{*}:v1");
  });
});
