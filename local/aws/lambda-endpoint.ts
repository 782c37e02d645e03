// A local endpoint that speaks the Lambda Invoke API, so callers use the real @aws-sdk/client-lambda code path.
import type { ServerResponse } from "node:http";
import { BodyTooLarge, readBody, sendJson as send, serve } from "../servers/http.js";
import type { HttpService } from "../launcher/services.js";
import { browserRefusal } from "../launcher/browser-guard.js";

export type LocalFunction = (event: unknown) => Promise<unknown>;

/** Lambda's synchronous request payload limit (6 MB). */
export const maxRequestBytes = 6 * 1024 * 1024;

/** 202 (Event) and 204 (DryRun) carry no body. */
function accepted(response: ServerResponse, status: 202 | 204) {
  response.writeHead(status);
  response.end();
}

/** The access key id a signed request names (`Authorization: AWS4-HMAC-SHA256 Credential=<id>/<date>/...`). */
const accessKeyIdOf = (authorization: string | undefined) => /Credential=([^/,\s]+)\//.exec(authorization ?? "")?.[1];

/**
 * `POST /2015-03-31/functions/{name or ARN}/invocations`, with RequestResponse, Event and DryRun types.
 * `accessKeyId`: the credential a caller must sign with (make dev's, kept in .dev/credentials.json);
 * nothing from a browser is taken (no Origin, only its own Host).
 */
export async function startLambdaEndpoint(
  functions: Record<string, LocalFunction>,
  options: { host?: string; port?: number; accessKeyId?: string } = {},
): Promise<HttpService> {
  let servedOn = "";
  const service = await serve(async (request, response) => {
    const refused = browserRefusal(request, servedOn);
    if (refused) return send(response, 403, { Type: "User", message: refused }, { "x-amzn-errortype": "AccessDeniedException" });
    if (options.accessKeyId && accessKeyIdOf(request.headers.authorization) !== options.accessKeyId) {
      const message = "the request is not signed with the local stack's credential (.dev/credentials.json: lambdaAccessKeyId)";
      return send(response, 403, { Type: "User", message }, { "x-amzn-errortype": "UnrecognizedClientException" });
    }
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
  servedOn = new URL(service.endpoint).host;
  return service;
}
