// `/subscribe/<channel>` and `/psubscribe/<pattern>` of the Upstash REST protocol: checked like every
// other request (token, scope, format), counted against the process's stream limits, subscribed in
// Redis as the caller's engine user, then handed to the edge as a stream to write to its response.
import { RedisUnavailable } from "../redis/connector.js";
import type { HttpRequest, HttpResponse } from "../runtime/http.js";
import { CommandRefused } from "./errors.js";
import { recordEdgeRefusal } from "./gateway-metrics.js";
import { callerIdOfDigest, type CommandGateway } from "./gateway.js";
import { RateLimited } from "./rate-limits.js";
import { accessOf, corsHeaders, corsPreflight, errorReply, presentedToken, replyOfError, responseFormatOf, type RestTokens } from "./redis-rest.js";
import { SubscriptionStream } from "./subscription-stream.js";
import { checkSubscription, engineSubscriptions, subscribeRoute } from "./subscriptions.js";

/** A subscription Redis confirmed: the edge writes `headers` with 200, then attaches its response to `stream`. */
export interface OpenStream {
  status: 200;
  headers: Record<string, string>;
  stream: SubscriptionStream;
}

/** Whether a request is for a subscription stream (the local server routes it here instead of handleRestRequest; API Gateway by its path). */
export const isSubscribeRequest = (request: Pick<HttpRequest, "path">) => /^\/p?subscribe(\/|$)/i.test(request.path);

export async function openSubscription(gateway: CommandGateway, tokens: RestTokens, request: HttpRequest): Promise<HttpResponse | OpenStream> {
  const { metrics, settings } = gateway;
  if (request.method === "OPTIONS") return { status: 204, headers: corsPreflight, body: "" };
  if (request.method !== "GET" && request.method !== "POST") return errorReply(405, `method ${request.method} is not allowed`);
  const token = accessOf(tokens, presentedToken(request));
  if (!token) {
    recordEdgeRefusal(metrics, "unauthorized");
    return errorReply(401, "Unauthorized");
  }
  const format = responseFormatOf(request, false);
  if (typeof format !== "string") return format;
  const caller = callerIdOfDigest(token.digest);
  const scope = { access: token.access, prefix: settings.keyPrefixes[caller] };
  let release: (() => void) | undefined;
  try {
    const route = subscribeRoute(request.path)!;
    checkSubscription(route, scope, settings);
    release = gateway.streams.admit(caller);
    metrics.add("Subscribers", gateway.streams.open);
    const stream = new SubscriptionStream(route, format === "resp2" ? "resp2" : "sse", settings, metrics, () => {
      release!();
      metrics.add("Subscribers", gateway.streams.open);
    });
    await stream.subscribe(gateway.connections.optionsOf(scope), engineSubscriptions(route, scope, settings));
    const headers = { "content-type": stream.contentType, "cache-control": "no-cache", "x-accel-buffering": "no", ...corsHeaders };
    return { status: 200, headers, stream };
  } catch (error) {
    release?.();
    if (error instanceof RateLimited || error instanceof CommandRefused) metrics.add("Refusals", 1, { Reason: "subscription" });
    else if (!(error instanceof RedisUnavailable)) metrics.add("Refusals", 1, { Reason: "request" });
    return replyOfError(error);
  }
}
