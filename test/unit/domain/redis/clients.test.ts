import { expect } from "chai";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import type { Redis } from "ioredis";
import { credentialOf, endpointOfClientOptions, primaryNodes, redisSettings, scanPrimaries } from "../../../../domain/redis/clients.js";
import { readEnvironment } from "../../../../domain/runtime/env.js";
import { ConfigError } from "../../../../domain/runtime/errors.js";

describe("domain/redis/clients: where Redis is, who we are there, and every primary", () => {
  it("settings from the environment: the URL is checked at init", () => {
    expect(redisSettings(readEnvironment({ REDIS_URL: "rediss://cache:6379", REDIS_CLUSTER: "true" }))).to.deep.equal({
      url: "rediss://cache:6379",
      authSecretArn: undefined,
      cluster: true,
    });
    expect(() => redisSettings(readEnvironment({}))).to.throw(ConfigError, "REDIS_URL is not set");
    expect(() => redisSettings(readEnvironment({ REDIS_URL: "cache:6379" }))).to.throw(ConfigError);
  });

  it("a secret holds an engine user (JSON) or a bare AUTH token; a user without a password is refused", async () => {
    const mock = mockClient(SecretsManagerClient);
    try {
      mock.on(GetSecretValueCommand, { SecretId: "user" }).resolves({ SecretString: '{"username":"loader","password":"p"}' });
      mock.on(GetSecretValueCommand, { SecretId: "token" }).resolves({ SecretString: "auth-token" });
      mock.on(GetSecretValueCommand, { SecretId: "bad" }).resolves({ SecretString: '{"username":"loader"}' });
      expect(await credentialOf("user")).to.deep.equal({ username: "loader", password: "p" });
      expect(await credentialOf("token")).to.deep.equal({ password: "auth-token" });
      expect(await credentialOf(undefined)).to.deep.equal({});
      await credentialOf("bad").then(
        () => expect.fail("resolved"),
        (e: Error) => expect(e.message).to.equal('secret bad has no "password"'),
      );
    } finally {
      mock.restore();
    }
  });

  it("one node's endpoint keeps the client's TLS and credentials", () => {
    expect(endpointOfClientOptions({ tls: {}, username: "u", password: "p", db: 0 }, { host: "10.0.0.5", port: 6380 })).to.deep.equal({
      host: "10.0.0.5",
      port: 6380,
      tls: {},
      username: "u",
      password: "p",
      db: 0,
    });
  });

  it("a plain client is its own only primary; SCAN walks every page of it", async () => {
    const pages: Record<string, [string, string[]]> = { "0": ["7", ["a", "b"]], "7": ["0", ["c"]] };
    const node = { scan: async (cursor: string) => pages[cursor] } as unknown as Redis;
    expect(primaryNodes(node)).to.deep.equal([node]);
    const keys: string[] = [];
    for await (const page of scanPrimaries(node, "person:*")) keys.push(...page.keys);
    expect(keys).to.deep.equal(["a", "b", "c"]);
  });
});
