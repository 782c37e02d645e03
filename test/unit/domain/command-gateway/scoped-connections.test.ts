import { expect } from "chai";
import { parseEngineUsers, ScopedConnections } from "../../../../domain/command-gateway/scoped-connections.js";
import { ConfigError } from "../../../../domain/runtime/errors.js";
import { fakeConnection } from "./fixtures.js";

describe("domain/command-gateway/scoped-connections: one engine user per scope", () => {
  it("reads the users secret and names a scope that lacks a credential", () => {
    expect(parseEngineUsers('{"users":{"read":{"username":"gw-read","password":"p"}}}')).to.deep.equal({ read: { username: "gw-read", password: "p" } });
    expect(() => parseEngineUsers("{}")).to.throw(ConfigError, "must be");
    expect(() => parseEngineUsers('{"users":{"write":{"username":"gw-write"}}}')).to.throw(ConfigError, 'scope "write" needs a username and a password');
  });

  it("without engine users every scope shares the gateway's own connection", () => {
    const { connection } = fakeConnection();
    const scoped = new ScopedConnections(connection);
    expect(scoped.for({ access: "write", prefix: "t:" })).to.equal(connection);
    expect(scoped.for({ access: "read" })).to.equal(connection);
  });
});
