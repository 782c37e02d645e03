// The Upstash-compatible REST API locally: the same core the Lambdas run, on a plain HTTP server;
// subscription streams as the streaming Lambda serves them, written to the response as they come.
import { accessOf, handleRestRequest, presentedToken, type RestTokens } from "../../domain/command-gateway/redis-rest.js";
import { isSubscribeRequest, openSubscription } from "../../domain/command-gateway/redis-rest-subscribe.js";
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
    const parsed = requestOf(request, body);
    if (!isSubscribeRequest(parsed)) return send(response, await handleRestRequest(gateway, tokens, parsed));
    const opened = await openSubscription(gateway, tokens, parsed);
    if (!("stream" in opened)) return send(response, opened);
    response.writeHead(opened.status, opened.headers);
    response.flushHeaders();
    await opened.stream.attach(response);
  }, options);
}
