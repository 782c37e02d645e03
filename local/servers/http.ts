// Small HTTP plumbing shared by the local servers.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpRequest, HttpResponse } from "../../domain/runtime/http.js";
import type { HttpService } from "../launcher/services.js";

export class BodyTooLarge extends Error {
  override name = "BodyTooLarge";
}

/** node:http -> the cores' request, as API Gateway's edge makes it (node joins repeated headers but set-cookie, which no core reads). */
export function requestOf(request: IncomingMessage, body: string): HttpRequest {
  const target = request.url ?? "/";
  const q = target.indexOf("?");
  return {
    method: request.method ?? "GET",
    path: q < 0 ? target : target.slice(0, q),
    query: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)),
    headers: request.headers as Record<string, string | undefined>,
    body,
  };
}

export function send(response: ServerResponse, reply: HttpResponse): void {
  response.writeHead(reply.status, reply.headers);
  response.end(reply.body);
}

/** Whether a request carries a body at all (a GET usually does not: no need to read it). */
export const hasBody = (request: IncomingMessage) =>
  request.headers["content-length"] !== undefined ? request.headers["content-length"] !== "0" : request.headers["transfer-encoding"] !== undefined;

export function readBody(request: IncomingMessage, maxBytes = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit keep draining (so the answer can still be sent) but keep nothing.
      if (size > maxBytes) return void (chunks.length = 0);
      chunks.push(chunk);
    });
    request.on("end", () =>
      size > maxBytes ? reject(new BodyTooLarge(`request body exceeds ${maxBytes} bytes`)) : resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)),
    );
    request.on("error", reject);
  });
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

/** A request handler that may be async: a rejection answers 500 with the reason. */
export type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<unknown> | void;

export async function serve(listener: Handler, options: { host?: string; port?: number } = {}): Promise<HttpService> {
  const server = createServer((request, response) => {
    Promise.resolve(listener(request, response)).catch((error) => {
      // Last line of defence: a bug answers 500 with a reason; the server keeps running.
      if (!response.headersSent) sendJson(response, 500, { error: `internal error: ${error instanceof Error ? error.message : error}` });
      else response.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  return {
    endpoint: `http://${host}:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
