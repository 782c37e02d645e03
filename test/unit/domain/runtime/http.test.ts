import { expect } from "chai";
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from "aws-lambda";
import { apiGatewayResult, jsonResponse, requestOfApiGateway, requestOfRestApi, textResponse } from "../../../../domain/runtime/http.js";

const event = (overrides: Partial<APIGatewayProxyEventV2>): APIGatewayProxyEventV2 =>
  ({
    rawPath: "/pipeline",
    rawQueryString: "a=1&b=2",
    headers: { authorization: "Bearer t" },
    requestContext: { http: { method: "POST" } },
    isBase64Encoded: false,
    ...overrides,
  }) as APIGatewayProxyEventV2;

describe("domain/runtime/http: API Gateway's payload 2.0 in and out", () => {
  it("a request keeps its method, path, query and headers; a base64 body is decoded", () => {
    const request = requestOfApiGateway(event({ body: Buffer.from('["PING"]').toString("base64"), isBase64Encoded: true }));
    expect([request.method, request.path, request.query.get("b"), request.headers.authorization, request.body]).to.deep.equal([
      "POST",
      "/pipeline",
      "2",
      "Bearer t",
      '["PING"]',
    ]);
    expect(requestOfApiGateway(event({ body: undefined })).body).to.equal("");
  });

  it("responses carry their content type and become API Gateway's structured result", () => {
    const json = jsonResponse(400, { error: "bad" });
    expect(json.headers["content-type"]).to.match(/^application\/json/);
    expect(JSON.parse(String(json.body))).to.deep.equal({ error: "bad" });
    expect(textResponse(200, "OK").headers["content-type"]).to.match(/^text\/plain/);
    expect(apiGatewayResult(json)).to.deep.equal({ statusCode: 400, headers: json.headers, body: json.body });
    // Bytes (RESP2 replies) go base64-encoded, as API Gateway expects a binary body.
    const bytes = Buffer.from([0x24, 0xff, 0x0d, 0x0a]);
    expect(apiGatewayResult({ status: 200, headers: {}, body: bytes })).to.deep.equal({
      statusCode: 200,
      headers: {},
      body: bytes.toString("base64"),
      isBase64Encoded: true,
    });
  });

  it("a REST API proxy event (the streaming route's) becomes the same request: header names lower-cased, repeated query values kept", () => {
    const request = requestOfRestApi({
      httpMethod: "POST",
      path: "/subscribe/chat",
      headers: { Authorization: "Bearer t", Accept: "text/event-stream" },
      multiValueQueryStringParameters: { a: ["1", "2"] },
      body: "[]",
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent);
    expect([request.method, request.path, request.query.getAll("a"), request.headers.authorization, request.headers.accept, request.body]).to.deep.equal([
      "POST",
      "/subscribe/chat",
      ["1", "2"],
      "Bearer t",
      "text/event-stream",
      "[]",
    ]);
  });
});
