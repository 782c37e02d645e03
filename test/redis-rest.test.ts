import { expect } from "chai";
import { Redis as Upstash } from "@upstash/redis";
import { startRestServer } from "../local/servers/rest-server.js";
import { startRedis, type HttpService, type RedisNode } from "../local/launcher/services.js";
import { gatewayOn } from "./harness/command-gateway.js";

const tokens = { readWrite: ["rw-token"], readOnly: ["ro-token"] };

describe("REST endpoint (Upstash Redis REST protocol) with the unmodified @upstash/redis client", function () {
  this.timeout(20_000);
  let node: RedisNode;
  let server: HttpService;
  let disconnect: () => void;
  let redis: Upstash;
  const client = (token: string, options: Record<string, unknown> = {}) =>
    new Upstash({ url: server.endpoint, token, enableTelemetry: false, retry: false, ...options });
  const failure = async (promise: Promise<unknown>) =>
    promise.then(
      () => "no error",
      (e: Error) => e.message,
    );

  before(async () => {
    node = await startRedis();
    const { gateway, connection } = await gatewayOn(node.url, {
      maxRequestBytes: 64 * 1024,
    });
    disconnect = () => connection.close();
    server = await startRestServer(gateway, tokens);
    redis = client("rw-token");
  });
  after(async () => {
    await server.stop();
    disconnect();
    await node.stop();
  });

  it("strings and counters", async () => {
    expect(await redis.set("greeting", "hello world")).to.equal("OK");
    expect(await redis.get("greeting")).to.equal("hello world");
    expect(await redis.set("n", 41, { ex: 100 })).to.equal("OK");
    expect(await redis.incr("n")).to.equal(42);
    expect(await redis.ttl("n")).to.be.within(1, 100);
    expect(await redis.mget("greeting", "missing")).to.deep.equal(["hello world", null]);
    expect(await redis.get("missing")).to.equal(null);
    expect(await redis.set("ok", "OK")).to.equal("OK");
    expect(await redis.get("ok")).to.equal("OK");
  });

  it("hashes, lists, sets and sorted sets", async () => {
    expect(await redis.hset("person:1", { firstName: "John", lastName: "Smith" })).to.equal(2);
    expect(await redis.hgetall("person:1")).to.deep.equal({ firstName: "John", lastName: "Smith" });
    expect(await redis.hget("person:1", "firstName")).to.equal("John");
    expect(await redis.rpush("list", "a", "b", "c")).to.equal(3);
    expect(await redis.lrange("list", 0, -1)).to.deep.equal(["a", "b", "c"]);
    expect(await redis.lpop("list")).to.equal("a");
    expect(await redis.sadd("set", "x", "y")).to.equal(2);
    expect((await redis.smembers("set")).sort()).to.deep.equal(["x", "y"]);
    expect(await redis.sismember("set", "x")).to.equal(1);
    expect(await redis.zadd("board", { score: 10, member: "ann" }, { score: 20, member: "bob" })).to.equal(2);
    expect(await redis.zrange("board", 0, -1, { withScores: true })).to.deep.equal(["ann", 10, "bob", 20]);
    expect(await redis.zscore("board", "bob")).to.equal(20);
  });

  it("JSON-encoded values round-trip as objects", async () => {
    const value = { id: 7, tags: ["a", "b"], nested: { ok: true } };
    await redis.set("json", value);
    expect(await redis.get("json")).to.deep.equal(value);
  });

  it("binary-safe and non-ASCII values survive base64 response encoding", async () => {
    const value = 'naïve ☕ \u0000 tab\t "quotes" 🚀';
    await redis.set("unicode", value);
    expect(await redis.get("unicode")).to.equal(value);
    const plain = client("rw-token", { responseEncoding: false });
    expect(await plain.get("unicode")).to.equal(value);
  });

  it("pipelines: one request, one reply per command, in order", async () => {
    const pipeline = redis.pipeline();
    pipeline.set("p", 1);
    pipeline.incr("p");
    pipeline.get("p");
    pipeline.hset("ph", { f: "v" });
    expect(await pipeline.exec()).to.deep.equal(["OK", 2, 2, 1]);
  });

  it("multi() transactions", async () => {
    const tx = redis.multi();
    tx.set("t", "1");
    tx.incrby("t", 5);
    tx.get("t");
    expect(await tx.exec()).to.deep.equal(["OK", 6, 6]);
  });

  it("error cases: wrong type, unknown command, denied command", async () => {
    await redis.set("s", "x");
    expect(await failure(redis.lpush("s", "y"))).to.match(/WRONGTYPE Operation against a key holding the wrong kind of value/);
    expect(await failure(redis.exec(["NOPE", "x"]))).to.match(/ERR unknown command 'NOPE'/);
    expect(await failure(redis.flushall())).to.match(/'flushall' is not allowed: administrative/);
    const pipeline = redis.pipeline();
    pipeline.get("s");
    pipeline.lpush("s", "y");
    expect(await failure(pipeline.exec())).to.match(/WRONGTYPE/);
  });

  it("harmless commands the client's own tests send pass (TIME, ECHO, MEMORY USAGE, PUBLISH), read-only ones with a read-only token", async () => {
    const [seconds, micros] = await redis.time();
    expect(Math.abs(seconds - Date.now() / 1000)).to.be.below(60);
    expect(micros).to.be.a("number");
    expect(await redis.echo("hello")).to.equal("hello");
    await redis.set("sized", "x".repeat(100));
    expect(await redis.exec(["MEMORY", "USAGE", "sized"])).to.be.greaterThan(100);
    expect(await redis.publish("news", "hi")).to.equal(0);
    const readOnly = client("ro-token");
    expect(await readOnly.echo("ro")).to.equal("ro");
    expect(await readOnly.exec(["MEMORY", "USAGE", "sized"])).to.be.greaterThan(100);
    expect(await failure(readOnly.publish("news", "hi"))).to.match(/'publish' is not allowed: not a read-only command/);
    expect(await failure(redis.exec(["SUBSCRIBE", "news"]))).to.match(/pub\/sub does not belong/);
  });

  it("a bad token is refused; a read-only token reads but cannot write", async () => {
    expect(await failure(client("nope").get("greeting"))).to.match(/Unauthorized/);
    const readOnly = client("ro-token");
    expect(await readOnly.get("greeting")).to.equal("hello world");
    expect(await failure(readOnly.set("greeting", "changed"))).to.match(/'set' is not allowed: not a read-only command/);
    expect(await redis.get("greeting")).to.equal("hello world");
  });

  describe("protocol details and bad requests (raw HTTP)", () => {
    const call = (path: string, init: RequestInit = {}, token = "rw-token") =>
      fetch(`${server.endpoint}${path}`, { method: "POST", ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

    it("commands in the path, with a POST body as the last argument, and ?_token=", async () => {
      expect(await (await call("/set/path%20key", { body: "body value" })).json()).to.deep.equal({ result: "OK" });
      const got = await fetch(`${server.endpoint}/get/path%20key?_token=ro-token`);
      expect(await got.json()).to.deep.equal({ result: "body value" });
    });

    for (const [what, body, status, message] of [
      ["malformed JSON", '["GET"', 400, /not valid JSON/],
      ["a non-array body", '{"cmd":"GET"}', 400, /must be a JSON array/],
      ["non-string arguments", '["SET", "k", {"v": 1}]', 400, /commands\[0\]\[2\] is object, not a string/],
      ["an oversized body", JSON.stringify(["SET", "big", "x".repeat(70_000)]), 400, /exceeds the limit of 65536/],
      ["a body padded past the limit", `["PING"${" ".repeat(70_000)}]`, 400, /request body of 70008 bytes exceeds the limit of 65536/],
      [
        "twelve thousand empty arguments (a small body, a large request)",
        JSON.stringify(["EXISTS", ...Array.from({ length: 12_000 }, () => "")]),
        400,
        /exceeds the limit of 65536 bytes \(as sent to Redis/,
      ],
      ["an empty command", "[]", 400, /non-empty/],
    ] as [string, string, number, RegExp][]) {
      it(`${what} gets the protocol's error response`, async () => {
        const response = await call("/", { body });
        expect(response.status).to.equal(status);
        expect(((await response.json()) as { error: string }).error).to.match(message);
      });
    }

    it("a bad pipeline body is refused as a whole, other methods get 405, and the server keeps serving", async () => {
      expect((await call("/pipeline", { body: '[["GET","a"], "GET"]' })).status).to.equal(400);
      expect((await call("/", { method: "DELETE" })).status).to.equal(405);
      expect((await call("/", { body: '["GET","a"]' }, "wrong")).status).to.equal(401);
      expect(await (await call("/", { body: '["PING"]' })).json()).to.deep.equal({ result: "PONG" });
    });

    it("an unknown token is refused before the body is read: the server answers while the body is still coming", async () => {
      const { request } = await import("node:http");
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const url = new URL(server.endpoint);
        const sending = request(
          { host: url.hostname, port: url.port, method: "POST", path: "/", headers: { authorization: "Bearer wrong", "content-length": String(50 << 20) } },
          (response) => resolve(response.statusCode),
        );
        sending.on("error", (error) => (String(error).includes("EPIPE") || String(error).includes("ECONNRESET") ? undefined : reject(error)));
        sending.write("x".repeat(1 << 16)); // 64 KiB of a declared 50 MiB, never finished
      });
      expect(status).to.equal(401);
      expect(await (await call("/", { body: '["PING"]' })).json()).to.deep.equal({ result: "PONG" });
    });

    it("a malformed URL path answers 400 with the reason, not 500", async () => {
      const response = await call("/get/%E0%A4%A");
      expect(response.status).to.equal(400);
      expect(((await response.json()) as { error: string }).error).to.match(/path segment "%E0%A4%A" is not valid percent-encoding/);
    });

    it("answers CORS preflight with the headers the client sends", async () => {
      const response = await fetch(server.endpoint, { method: "OPTIONS" });
      expect(response.status).to.equal(204);
      expect(response.headers.get("access-control-allow-headers")).to.contain("upstash-encoding");
      expect(response.headers.get("access-control-expose-headers")).to.equal("upstash-sync-token");
    });
  });
});
