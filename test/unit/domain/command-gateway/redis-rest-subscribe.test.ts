import { expect } from "chai";
import { callerId, CommandGateway } from "../../../../domain/command-gateway/gateway.js";
import { isSubscribeRequest, openSubscription } from "../../../../domain/command-gateway/redis-rest-subscribe.js";
import { defaultGatewaySettings } from "../../../../domain/command-gateway/settings.js";
import type { HttpRequest, HttpResponse } from "../../../../domain/runtime/http.js";
import { fakeConnection } from "./fixtures.js";

const tokens = { readWrite: ["rw-token-0123456789", "tenant-token-0123456789"], readOnly: [] };
const request = (overrides: Partial<HttpRequest>): HttpRequest => ({
  method: "POST",
  path: "/subscribe/chat",
  query: new URLSearchParams(),
  headers: { authorization: "Bearer rw-token-0123456789", accept: "text/event-stream" },
  body: "[]",
  ...overrides,
});

// What is refused is refused before any Redis connection is opened (the unit lane has no sockets).
describe("domain/command-gateway/redis-rest-subscribe: a stream's request, checked before Redis is asked", () => {
  const gateway = new CommandGateway(fakeConnection().connection, {
    ...defaultGatewaySettings,
    subscriptionsPerCaller: 1,
    keyPrefixes: { [callerId("tenant-token-0123456789")]: "tenant-a:" },
  });
  const refusal = async (overrides: Partial<HttpRequest>) => {
    const response = (await openSubscription(gateway, tokens, request(overrides))) as HttpResponse;
    return [response.status, response.body ? (JSON.parse(String(response.body)) as { error: string }).error : ""];
  };

  it("routes /subscribe and /psubscribe here, nothing else", () => {
    expect(["/subscribe/a", "/psubscribe/a*", "/SUBSCRIBE/a", "/subscribe"].map((path) => isSubscribeRequest({ path }))).to.deep.equal([
      true,
      true,
      true,
      true,
    ]);
    expect(["/", "/get/subscribe", "/subscribers/a", "/pipeline"].map((path) => isSubscribeRequest({ path }))).to.deep.equal([false, false, false, false]);
  });

  it("a preflight, a wrong method, an unknown token, a format not offered, a malformed route: each answered with its reason", async () => {
    const preflight = (await openSubscription(gateway, tokens, request({ method: "OPTIONS" }))) as HttpResponse;
    expect([preflight.status, preflight.headers["access-control-allow-headers"]]).to.deep.include(204);
    expect(preflight.headers["access-control-allow-headers"]).to.include("authorization");
    expect(await refusal({ method: "PUT" })).to.deep.equal([405, "method PUT is not allowed"]);
    expect(await refusal({ headers: { authorization: "Bearer nope-nope-nope-nope" } })).to.deep.equal([401, "Unauthorized"]);
    expect(await refusal({ headers: { authorization: "Bearer rw-token-0123456789", "upstash-response-format": "text" } })).to.deep.equal([
      400,
      'Upstash-Response-Format "text" is not one of json, resp2',
    ]);
    expect(await refusal({ path: "/subscribe" })).to.deep.equal([400, "/subscribe needs at least one channel: /subscribe/<name>"]);
  });

  it("a tenant outside its prefix is refused; a credential at its stream limit gets 429 naming the setting", async () => {
    expect(await refusal({ headers: { authorization: "Bearer tenant-token-0123456789" }, path: "/subscribe/other" })).to.deep.equal([
      400,
      'ERR channel "other" is outside this credential\'s prefix "tenant-a:"',
    ]);
    const release = gateway.streams.admit(callerId("rw-token-0123456789"));
    const [status, error] = await refusal({});
    expect(status).to.equal(429);
    expect(error).to.include("SUBSCRIPTIONS_PER_CALLER");
    release();
  });
});
