// A local endpoint that speaks the Lambda Invoke API, so callers use the real @aws-sdk/client-lambda code path.
import type { ServerResponse } from "node:http";
import { BodyTooLarge, readBody, sendJson as send, serve } from "../servers/http.js";
import type { HttpService } from "../launcher/services.js";

export type LocalFunction = (event: unknown) => Promise<unknown>;

/** Lambda's synchronous request payload limit (6 MB). */
export const maxRequestBytes = 6 * 1024 * 1024;

/** 202 (Event) and 204 (DryRun) carry no body. */
function accepted(response: ServerResponse, status: 202 | 204) {
  response.writeHead(status);
  response.end();
}

/** `POST /2015-03-31/functions/{name or ARN}/invocations`, with RequestResponse, Event and DryRun types. */
export async function startLambdaEndpoint(functions: Record<string, LocalFunction>, options: { host?: string; port?: number } = {}): Promise<HttpService> {
  return serve(async (request, response) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? "");
    if (request.method !== "POST" || !match) {
      return send(response, 404, { message: `no such route: ${request.method} ${request.url}` }, { "x-amzn-errortype": "ResourceNotFoundException" });
    }
    const name = decodeURIComponent(match[1]).split(":function:").pop()!.split(":")[0];
    // Own names only: `toString` or `__proto__` are not functions of ours.
    const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
    if (!fn) {
      return send(response, 404, { Type: "User", message: `Function not found: ${name}` }, { "x-amzn-errortype": "ResourceNotFoundException" });
    }
    let raw: string;
    try {
      raw = (await readBody(request, maxRequestBytes)).toString("utf8");
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      const message = `Request must be smaller than ${maxRequestBytes} bytes for the InvokeFunction operation`;
      return send(response, 413, { Type: "User", message }, { "x-amzn-errortype": "RequestTooLargeException" });
    }
    let event: unknown;
    try {
      event = raw ? JSON.parse(raw) : {};
    } catch {
      return send(response, 400, { Type: "User", message: "Could not parse request body into json" }, { "x-amzn-errortype": "InvalidRequestContentException" });
    }
    const type = String(request.headers["x-amz-invocation-type"] ?? "RequestResponse");
    if (type === "DryRun") return accepted(response, 204);
    if (type === "Event") {
      fn(event).catch((error) => console.error(JSON.stringify({ level: "error", function: name, message: String(error) })));
      return accepted(response, 202);
    }
    try {
      send(response, 200, (await fn(event)) ?? null, { "x-amz-executed-version": "$LATEST" });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      send(response, 200, { errorType: e.name, errorMessage: e.message }, { "x-amz-function-error": "Unhandled" });
    }
  }, options);
}
