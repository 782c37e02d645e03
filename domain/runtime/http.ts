// One HTTP request and response shape for every core behind an HTTP door (the REST endpoint, the
// feature reader). Edges adapt to it: API Gateway's HTTP API events here, node:http in `local/`.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export interface HttpRequest {
  method: string;
  /** The raw path, still percent-encoded: `/get/my%20key`. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  body: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Bytes where the body is binary (RESP2 replies). */
  body: string | Buffer;
}

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

export const textResponse = (status: number, body: string): HttpResponse => ({ status, headers: { "content-type": "text/plain; charset=utf-8" }, body });

/** API Gateway HTTP API (payload format 2.0) -> request. Header names arrive lower-case already. */
export function requestOfApiGateway(event: APIGatewayProxyEventV2): HttpRequest {
  const body = event.body === undefined ? "" : event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ""),
    headers: event.headers ?? {},
    body,
  };
}

/** API Gateway REST API (the proxy integration's event, as the streaming route receives it) -> request. Header names as sent: made lower-case. */
export function requestOfRestApi(event: APIGatewayProxyEvent): HttpRequest {
  const body = event.body === null ? "" : event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  const query = new URLSearchParams();
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) for (const value of values ?? []) query.append(name, value);
  return {
    method: event.httpMethod,
    path: event.path,
    query,
    headers: Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
    body,
  };
}

/** Either API Gateway's event: an HTTP API's (payload 2.0) or a REST API's proxy event. */
export const requestOfAnyApiGateway = (event: APIGatewayProxyEventV2 | APIGatewayProxyEvent): HttpRequest =>
  "version" in event && event.version === "2.0" ? requestOfApiGateway(event) : requestOfRestApi(event as APIGatewayProxyEvent);

export const apiGatewayResult = (response: HttpResponse): APIGatewayProxyStructuredResultV2 => ({
  statusCode: response.status,
  headers: response.headers,
  ...(Buffer.isBuffer(response.body) ? { body: response.body.toString("base64"), isBase64Encoded: true } : { body: response.body }),
});
