import { expect } from "chai";
import { aclSetUser, featureReaderUser, gatewayScopes, gatewayUser, listenerUser, scopeId } from "../../../../domain/redis/engine-users.js";

describe("domain/redis/engine-users: least privilege in the engine, one user per client and gateway scope", () => {
  it("scopes: read and write, unconfined and per distinct prefix", () => {
    expect(gatewayScopes(["tenant-b:", "tenant-a:", "tenant-a:"]).map(scopeId)).to.deep.equal([
      "read",
      "read:tenant-a:",
      "read:tenant-b:",
      "write",
      "write:tenant-a:",
      "write:tenant-b:",
    ]);
  });

  it("a confined user's keys and channels are its prefix as literal text; a read user reads only; denials come after grants", () => {
    const user = gatewayUser({ access: "read", prefix: "t*[a]:" }, { scripts: true });
    const rules = user.access.split(" ");
    expect(rules[0]).to.equal("%R~t\\*\\[a\\]:*");
    expect(rules[1]).to.equal("&t\\*\\[a\\]:*");
    expect(rules.indexOf("-@dangerous")).to.be.greaterThan(rules.indexOf("+@read"));
    expect(rules).to.not.include("+@write");
    // Never scripts for a prefix, whatever ALLOW_SCRIPTS says.
    expect(rules.some((r) => r.startsWith("+eval"))).to.equal(false);
    expect(user.name).to.match(/^gw-read-[0-9a-f]{10}$/);
  });

  it("scripts only when allowed and unconfined; the writer gets EVAL, the reader only the _RO forms", () => {
    expect(gatewayUser({ access: "write" }, { scripts: false }).access).to.not.include("+eval");
    expect(gatewayUser({ access: "write" }, { scripts: true }).access).to.include("+eval ");
    expect(gatewayUser({ access: "read" }, { scripts: true }).access)
      .to.include("+evalsha_ro")
      .and.not.include("+eval ");
  });

  it("the listener and the reader reach only what they need; ACL SETUSER resets before it grants", () => {
    expect(listenerUser.access).to.include("+psubscribe").and.include("&__keyevent@*__:*");
    expect(featureReaderUser.access.split(" ")[0]).to.equal("%R~recs:*");
    expect(aclSetUser(featureReaderUser, "pw").slice(0, 6)).to.deep.equal(["ACL", "SETUSER", "reader", "reset", "on", ">pw"]);
  });
});
