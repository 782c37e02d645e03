// Small HTTP plumbing shared by the local servers.
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpService } from "./services.js";

export class BodyTooLarge extends Error {}

/** Whether a request carries a body at all (a GET usually does not: no need to read it). */
export const hasBody = (request: IncomingMessage) => request.headers["content-length"] !== undefined ? request.headers["content-length"] !== "0" : request.headers["transfer-encoding"] !== undefined;

export async function readBody(request: IncomingMessage, maxBytes = Infinity): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLarge(`request body exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

export async function serve(listener: RequestListener, options: { host?: string; port?: number } = {}): Promise<HttpService> {
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
