import { expect } from "chai";
import { ConfigError } from "../../../../domain/runtime/errors.js";
import { encodeCommand, endpointFromUrl, RedisUnavailable } from "../../../../domain/redis/connector.js";

describe("domain/redis/connector: URLs, RESP framing and the one error for a Redis that did not answer", () => {
  it("a rediss:// URL carries TLS, its user, password and database; redis:// defaults to port 6379", () => {
    expect(endpointFromUrl("rediss://gw-read:p%40ss@cache.local:6380/2")).to.deep.equal({
      host: "cache.local",
      port: 6380,
      tls: {},
      username: "gw-read",
      password: "p@ss",
      db: 2,
    });
    expect(endpointFromUrl("redis://127.0.0.1")).to.include({ host: "127.0.0.1", port: 6379, tls: undefined });
  });

  it("refuses what is not a Redis URL, naming it", () => {
    expect(() => endpointFromUrl("cache.local:6379")).to.throw(ConfigError, /not a (URL|redis)/);
    expect(() => endpointFromUrl("http://cache.local")).to.throw(ConfigError, "not a redis:// or rediss:// URL: http:");
  });

  it("frames a command as a RESP array of bulk strings, lengths in bytes", () => {
    expect(encodeCommand(["SET", "k", "é"])).to.equal("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n");
  });

  it("RedisUnavailable is retryable and a 503", () => {
    const error = new RedisUnavailable("connect ECONNREFUSED");
    expect([error.name, error.status, error.retryable]).to.deep.equal(["RedisUnavailable", 503, true]);
  });
});
