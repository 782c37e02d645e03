// The Upstash-compatible REST API locally: the same core the Lambda runs, on a plain HTTP server.
import { handleRestRequest, type RestTokens } from "../functions/redis-rest/rest.js";
import type { CommandGateway } from "../functions/command-gateway/gateway.js";
import { BodyTooLarge, hasBody, readBody, sendJson, serve } from "./http.js";
import type { HttpService } from "./services.js";

export async function startRestServer(gateway: CommandGateway, tokens: RestTokens, options: { host?: string; port?: number } = {}): Promise<HttpService> {
  return serve(async (request, response) => {
    let body = "";
    try {
      // API Gateway refuses payloads over 10 MB before the Lambda sees them; so does this server.
      if (hasBody(request)) body = (await readBody(request, 10 << 20)).toString("utf8");
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(response, 413, { error: error.message });
      throw error;
    }
    const target = request.url ?? "/";
    const q = target.indexOf("?");
    const reply = await handleRestRequest(gateway, tokens, {
      method: request.method ?? "GET",
      path: q < 0 ? target : target.slice(0, q),
      query: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)),
      // Node joins repeated headers into one string; only set-cookie stays a list, and it is not read here.
      headers: request.headers as Record<string, string | undefined>,
      body,
    });
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  }, options);
}
