// The Upstash-compatible REST API locally: the same core the Lambda runs, on a plain HTTP server.
import { handleRestRequest, type RestTokens } from "../functions/redis-rest/rest.js";
import type { CommandGateway } from "../functions/shared/commands/gateway.js";
import { BodyTooLarge, readBody, sendJson, serve } from "./http.js";
import type { HttpService } from "./services.js";

export async function startRestServer(gateway: CommandGateway, tokens: RestTokens, options: { host?: string; port?: number } = {}): Promise<HttpService> {
  return serve(async (request, response) => {
    let body: string;
    try {
      // API Gateway refuses payloads over 10 MB before the Lambda sees them; so does this server.
      body = (await readBody(request, 10 << 20)).toString("utf8");
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(response, 413, { error: error.message });
      throw error;
    }
    const url = new URL(request.url ?? "/", "http://local");
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]));
    const reply = await handleRestRequest(gateway, tokens, { method: request.method ?? "GET", path: url.pathname, query: url.searchParams, headers, body });
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  }, options);
}
