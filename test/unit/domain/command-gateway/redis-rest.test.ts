import { expect } from "chai";
import { CommandGateway } from "../../../../domain/command-gateway/gateway.js";
import { accessOf, handleRestRequest, parseRestTokens, presentedToken } from "../../../../domain/command-gateway/redis-rest.js";
import { defaultGatewaySettings } from "../../../../domain/command-gateway/settings.js";
import { ConfigError } from "../../../../domain/runtime/errors.js";
import type { HttpRequest } from "../../../../domain/runtime/http.js";
import { fakeConnection } from "./fixtures.js";

const tokens = { readWrite: ["rw-token-0123456789"], readOnly: ["ro-token-0123456789"] };
const request = (overrides: Partial<HttpRequest>): HttpRequest => ({
  method: "POST",
  path: "/",
  query: new URLSearchParams(),
  headers: { authorization: "Bearer rw-token-0123456789" },
  body: "",
  ...overrides,
});

describe("domain/command-gateway/redis-rest: the Upstash REST protocol over the command core", () => {
  it("tokens: a list of at least 16 characters each; bad secrets say what is wrong", () => {
    expect(parseRestTokens(JSON.stringify(tokens))).to.deep.equal(tokens);
    expect(() => parseRestTokens("{")).to.throw(ConfigError, "not JSON");
    expect(() => parseRestTokens('{"readWrite":["short"]}')).to.throw(ConfigError, '"readWrite" must be a list of tokens of at least 16 characters');
  });

  it("a token from the Authorization header or ?_token=, read-write or read-only, or none of ours", () => {
    expect(presentedToken(request({}))).to.equal("rw-token-0123456789");
    expect(presentedToken(request({ headers: {}, query: new URLSearchParams("_token=abc") }))).to.equal("abc");
    expect(accessOf(tokens, "rw-token-0123456789")?.access).to.equal("write");
    expect(accessOf(tokens, "ro-token-0123456789")?.access).to.equal("read");
    expect(accessOf(tokens, "rw-token-012345678X")).to.equal(undefined);
  });

  it("answers the body form, the path form and pipelines; refuses without a token, past the size and with bad JSON", async () => {
    const { connection } = fakeConnection((c) => Buffer.from(c[0].toUpperCase() === "GET" ? "v" : "OK"));
    const gateway = new CommandGateway(connection, { ...defaultGatewaySettings, maxRequestBytes: 200 });
    const answer = async (r: Partial<HttpRequest>) => {
      const response = await handleRestRequest(gateway, tokens, request(r));
      return [response.status, JSON.parse(String(response.body) || "null") as unknown];
    };
    expect(await answer({ body: '["SET","k","v"]' })).to.deep.equal([200, { result: "OK" }]);
    expect(await answer({ method: "GET", path: "/get/k" })).to.deep.equal([200, { result: "v" }]);
    expect(await answer({ path: "/pipeline", body: '[["SET","k","v"],["GET","k"]]' })).to.deep.equal([200, [{ result: "OK" }, { result: "v" }]]);
    expect(await answer({ headers: {}, body: '["GET","k"]' })).to.deep.equal([401, { error: "Unauthorized" }]);
    expect(await answer({ body: "x".repeat(201) })).to.deep.equal([400, { error: "request body of 201 bytes exceeds the limit of 200" }]);
    expect(await answer({ body: "{" })).to.deep.equal([400, { error: "request body is not valid JSON" }]);
    expect(await answer({ method: "DELETE" })).to.deep.equal([405, { error: "method DELETE is not allowed" }]);
    const [status, body] = await answer({ headers: { authorization: "Bearer ro-token-0123456789" }, body: '["SET","k","v"]' });
    expect(status).to.equal(400);
    expect((body as { error: string }).error).to.match(/may only read/);
  });

  it("Upstash-Response-Format: resp2 answers RESP2 bytes (a status where the command answers one); other formats and resp2 with base64 are 400", async () => {
    const { connection } = fakeConnection((c) => (c[0].toUpperCase() === "GET" ? Buffer.from("v") : Buffer.from("OK")));
    const gateway = new CommandGateway(connection, defaultGatewaySettings);
    const resp2 = { authorization: "Bearer rw-token-0123456789", "upstash-response-format": "resp2" };
    const set = await handleRestRequest(gateway, tokens, request({ headers: resp2, body: '["SET","k","v"]' }));
    expect([set.status, set.headers["content-type"], String(set.body)]).to.deep.equal([200, "application/octet-stream", "+OK\r\n"]);
    const pipeline = await handleRestRequest(gateway, tokens, request({ headers: resp2, path: "/pipeline", body: '[["GET","k"],["SET","k","v"]]' }));
    expect(String(pipeline.body)).to.equal("$1\r\nv\r\n+OK\r\n");
    const other = await handleRestRequest(gateway, tokens, request({ headers: { ...resp2, "upstash-response-format": "xml" }, body: '["GET","k"]' }));
    expect([other.status, JSON.parse(String(other.body))]).to.deep.equal([400, { error: 'Upstash-Response-Format "xml" is not one of json, resp2' }]);
    const both = await handleRestRequest(gateway, tokens, request({ headers: { ...resp2, "upstash-encoding": "base64" }, body: '["GET","k"]' }));
    expect(both.status).to.equal(400);
  });
});
