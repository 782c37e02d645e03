import { expect } from "chai";
import { parseEngineUsers, ScopedConnections } from "../../../../domain/command-gateway/scoped-connections.js";
import { ConfigError } from "../../../../domain/runtime/errors.js";
import { fakeConnection } from "./fixtures.js";

describe("domain/command-gateway/scoped-connections: one engine user per scope, a connection per request in flight", () => {
  it("reads the users secret and names a scope that lacks a credential", () => {
    expect(parseEngineUsers('{"users":{"read":{"username":"gw-read","password":"p"}}}')).to.deep.equal({ read: { username: "gw-read", password: "p" } });
    expect(() => parseEngineUsers("{}")).to.throw(ConfigError, "must be");
    expect(() => parseEngineUsers('{"users":{"write":{"username":"gw-write"}}}')).to.throw(ConfigError, 'scope "write" needs a username and a password');
  });

  it("without engine users the gateway's own connection serves the first request of every scope", async () => {
    const { connection } = fakeConnection();
    const scoped = new ScopedConnections(connection);
    expect(await scoped.use({ access: "write", prefix: "t:" }, async (c) => c)).to.equal(connection);
    expect(await scoped.use({ access: "read" }, async (c) => c)).to.equal(connection);
  });

  it("requests in flight together hold different connections; a finished request's connection serves the next", async () => {
    const { connection } = fakeConnection();
    const scoped = new ScopedConnections(connection);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = scoped.use({ access: "write" }, async (c) => {
      await held;
      return c;
    });
    const second = await scoped.use({ access: "write" }, async (c) => c);
    expect(second).to.not.equal(connection);
    release();
    expect(await first).to.equal(connection);
    // Both are idle again: the next request takes one of them, no third is opened.
    expect([connection, second]).to.include(await scoped.use({ access: "write" }, async (c) => c));
    scoped.close();
  });

  it("a scope without a user, where users exist, is refused before anything runs", async () => {
    const { connection } = fakeConnection();
    const scoped = new ScopedConnections(connection, { read: { username: "gw-read", password: "p" } });
    expect(() => scoped.use({ access: "write" }, async () => undefined)).to.throw(ConfigError, 'no engine user for the gateway scope "write"');
  });
});
