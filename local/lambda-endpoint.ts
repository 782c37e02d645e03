// A local endpoint that speaks the Lambda Invoke API, so callers use the real @aws-sdk/client-lambda code path.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpService } from "./services.js";

export type LocalFunction = (event: unknown) => Promise<unknown>;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(body === undefined ? "" : JSON.stringify(body));
}

/** `POST /2015-03-31/functions/{name or ARN}/invocations`, with RequestResponse, Event and DryRun types. */
export async function startLambdaEndpoint(functions: Record<string, LocalFunction>, options: { host?: string; port?: number } = {}): Promise<HttpService> {
  const server = createServer(async (request, response) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? "");
    if (request.method !== "POST" || !match) {
      return send(response, 404, { message: `no such route: ${request.method} ${request.url}` }, { "x-amzn-errortype": "ResourceNotFoundException" });
    }
    const name = decodeURIComponent(match[1]).split(":function:").pop()!.split(":")[0];
    const fn = functions[name];
    if (!fn) {
      return send(response, 404, { Type: "User", message: `Function not found: ${name}` }, { "x-amzn-errortype": "ResourceNotFoundException" });
    }
    const raw = await readBody(request);
    let event: unknown;
    try {
      event = raw ? JSON.parse(raw) : {};
    } catch {
      return send(response, 400, { Type: "User", message: "Could not parse request body into json" }, { "x-amzn-errortype": "InvalidRequestContentException" });
    }
    const type = String(request.headers["x-amz-invocation-type"] ?? "RequestResponse");
    if (type === "DryRun") return send(response, 204, undefined);
    if (type === "Event") {
      fn(event).catch((error) => console.error(JSON.stringify({ level: "error", function: name, message: String(error) })));
      return send(response, 202, undefined);
    }
    try {
      send(response, 200, (await fn(event)) ?? null, { "x-amz-executed-version": "$LATEST" });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      send(response, 200, { errorType: e.name, errorMessage: e.message }, { "x-amz-function-error": "Unhandled" });
    }
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  return {
    endpoint: `http://${host}:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
