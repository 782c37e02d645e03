// The local stand-ins for AWS APIs (dynalite, s3rver, the Lambda endpoint) are called by SDKs and curl,
// never by a web page: a request that carries an Origin (every browser's cross-origin fetch does) or
// names another Host (DNS rebinding) is refused before the service sees it, and no wildcard CORS
// header ever reaches a browser. A page open in the developer's browser cannot read or write them.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server } from "node:net";

/** A Host naming loopback itself (any port: a test's forwarder sits in front of some services); a rebinding page names its own domain. */
const loopbackHost = /^(127(\.\d{1,3}){3}|localhost|\[::1\])(:\d+)?$/;

/** Why a request is refused, or undefined for one the service was built for. */
export function browserRefusal(request: Pick<IncomingMessage, "headers">, servedOn: string): string | undefined {
  if (request.headers.origin !== undefined) return `no browser origin may call this local service (Origin: ${request.headers.origin.slice(0, 100)})`;
  if (!loopbackHost.test(request.headers.host ?? "")) return `this local service answers only on a loopback name, as ${servedOn}`;
  return undefined;
}

/** Puts the guard in front of a server's own request handlers (its own CORS headers never reach a refused caller). */
export function guardFromBrowsers(server: Server, servedOn: string): void {
  const handlers = server.listeners("request") as ((request: IncomingMessage, response: ServerResponse) => void)[];
  server.removeAllListeners("request");
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const why = browserRefusal(request, servedOn);
    if (!why) return handlers.forEach((handler) => handler(request, response));
    response.writeHead(403, { "content-type": "application/json" });
    response.end(JSON.stringify({ message: why }));
  });
}
