// The Upstash-compatible REST API locally: the same core the Lambda runs, on a plain HTTP server.
import { accessOf, handleRestRequest, presentedToken, type RestTokens } from "../../domain/command-gateway/redis-rest.js";
import type { CommandGateway } from "../../domain/command-gateway/gateway.js";
import { BodyTooLarge, hasBody, readBody, requestOf, send, sendJson, serve } from "./http.js";
import type { HttpService } from "../launcher/services.js";

export async function startRestServer(gateway: CommandGateway, tokens: RestTokens, options: { host?: string; port?: number } = {}): Promise<HttpService> {
  return serve(async (request, response) => {
    // The token first: an unknown caller's body is never read (the connection is closed instead).
    if (request.method !== "OPTIONS" && !accessOf(tokens, presentedToken(requestOf(request, "")))) {
      response.setHeader("connection", "close");
      return send(response, await handleRestRequest(gateway, tokens, requestOf(request, "")));
    }
    let body = "";
    try {
      // API Gateway refuses payloads over 10 MB before the Lambda sees them; so does this server.
      if (hasBody(request)) body = (await readBody(request, 10 << 20)).toString("utf8");
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(response, 413, { error: error.message });
      throw error;
    }
    send(response, await handleRestRequest(gateway, tokens, requestOf(request, body)));
  }, options);
}
