// The Upstash Redis REST protocol over the shared command core, so `@upstash/redis` works unmodified.
import { createHash, timingSafeEqual } from "node:crypto";
import { RateLimited } from "./rate-limits.js";
import { BadRequest } from "./errors.js";
import { recordEdgeRefusal } from "./gateway-metrics.js";
import { callerIdOfDigest, type CommandGateway, type CommandResult } from "./gateway.js";
import { isStatusReply, toResp2, toUpstashResult } from "./replies.js";
import { ConfigError, ServiceError } from "../runtime/errors.js";
import { jsonResponse, type HttpRequest, type HttpResponse } from "../runtime/http.js";

export interface RestTokens {
  readWrite: string[];
  readOnly: string[];
}

/** The tokens secret: `{"readWrite": ["..."], "readOnly": ["..."]}`. */
export function parseRestTokens(text: string): RestTokens {
  let parsed: Partial<Record<keyof RestTokens, unknown>>;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (error) {
    throw new ConfigError('the REST tokens secret is not JSON such as {"readWrite": ["..."], "readOnly": ["..."]}', { cause: error });
  }
  const list = (name: keyof RestTokens) => {
    const value = parsed?.[name] ?? [];
    if (!Array.isArray(value) || !value.every((t) => typeof t === "string" && t.length >= 16)) {
      throw new ConfigError(`the REST tokens secret's "${name}" must be a list of tokens of at least 16 characters`);
    }
    return value as string[];
  };
  return { readWrite: list("readWrite"), readOnly: list("readOnly") };
}

// Browsers call this API directly. A preflight learns what it may send; every answer lets the page
// read it and its sync token (the preflight-only headers would be wasted bytes on each reply).
export const corsPreflight = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers":
    "authorization, content-type, upstash-encoding, upstash-sync-token, upstash-response-format, upstash-telemetry-runtime, upstash-telemetry-platform, upstash-telemetry-sdk, upstash-telemetry-retry",
  "access-control-expose-headers": "upstash-sync-token",
};
export const corsHeaders = { "access-control-allow-origin": "*", "access-control-expose-headers": "upstash-sync-token" };

const json = (status: number, body: unknown): HttpResponse => jsonResponse(status, body, corsHeaders);

/** The protocol's error answer: `{"error": message}` with `status`. */
export const errorReply = (status: number, message: string, headers: Record<string, string> = {}) =>
  jsonResponse(status, { error: message }, { ...corsHeaders, ...headers });

/**
 * The answer to an error the gateway threw: its own refusals (429 with Retry-After for a rate) and a
 * write whose outcome is unknown (OutcomeUnknown, 502), each with its own status; anything else is rethrown.
 */
export function replyOfError(error: unknown): HttpResponse {
  if (error instanceof RateLimited) return errorReply(429, error.message, { "retry-after": String(error.retryAfterSeconds) });
  if (error instanceof ServiceError) return errorReply(error.status, error.message);
  throw error;
}

const digest = (token: string) => createHash("sha256").update(token).digest();
const matches = (presented: Buffer, digests: Buffer[]) => digests.some((d) => timingSafeEqual(presented, d));

// The configured tokens' digests, computed once per token set rather than on every request.
const digestsOf = new WeakMap<RestTokens, { readWrite: Buffer[]; readOnly: Buffer[] }>();

/** The token a request presents: `Authorization: Bearer <token>`, or `?_token=`. */
export const presentedToken = (request: Pick<HttpRequest, "headers" | "query">) =>
  /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1] ?? request.query.get("_token") ?? undefined;

/** What a presented token may do, and its digest (the caller's id); undefined when it is none of ours (compared in constant time). */
export function accessOf(tokens: RestTokens, presented: string | undefined): { access: "read" | "write"; digest: Buffer } | undefined {
  if (!presented) return undefined;
  let digests = digestsOf.get(tokens);
  if (!digests) digestsOf.set(tokens, (digests = { readWrite: tokens.readWrite.map(digest), readOnly: tokens.readOnly.map(digest) }));
  const hashed = digest(presented);
  if (matches(hashed, digests.readWrite)) return { access: "write", digest: hashed };
  if (matches(hashed, digests.readOnly)) return { access: "read", digest: hashed };
  return undefined;
}

/** A path's segments, percent-decoded; BadRequest naming the first that is not valid percent-encoding. */
export const decodedSegments = (segments: string[]) =>
  segments.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new BadRequest(`path segment "${segment.slice(0, 100)}" is not valid percent-encoding`);
    }
  });

function commandOfRequest(request: HttpRequest): unknown {
  const segments = decodedSegments(request.path.split("/").filter(Boolean));
  if (segments.length === 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body);
    } catch {
      throw new BadRequest("request body is not valid JSON");
    }
    if (!Array.isArray(parsed)) throw new BadRequest("request body must be a JSON array: the command and its arguments");
    return parsed;
  }
  // Path form: `/set/key/value`; a POST body becomes the last argument.
  return request.body ? [...segments, request.body] : segments;
}

function parseBatch(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new BadRequest("request body is not valid JSON");
  }
}

const entry = (result: CommandResult, base64: boolean) =>
  result.reply.ok
    ? { result: toUpstashResult(result.reply.value, base64, isStatusReply(result.command.name, result.command.args)) }
    : { error: result.reply.error };

const asResp2 = (result: CommandResult) => toResp2(result.reply, isStatusReply(result.command.name, result.command.args));
const resp2 = (status: number, body: Buffer): HttpResponse => ({ status, headers: { "content-type": "application/octet-stream", ...corsHeaders }, body });

/** `Upstash-Response-Format`: `json` (the default) or `resp2`; anything else, or resp2 with base64, is answered 400 here. */
export function responseFormatOf(request: Pick<HttpRequest, "headers">, base64: boolean): "json" | "resp2" | HttpResponse {
  const asked = (request.headers["upstash-response-format"] ?? "json").toLowerCase();
  if (asked !== "json" && asked !== "resp2") return json(400, { error: `Upstash-Response-Format "${asked.slice(0, 50)}" is not one of json, resp2` });
  if (asked === "resp2" && base64)
    return json(400, { error: "Upstash-Encoding: base64 cannot be combined with Upstash-Response-Format: resp2 (RESP2 carries bytes as they are)" });
  return asked;
}

export async function handleRestRequest(gateway: CommandGateway, tokens: RestTokens, request: HttpRequest): Promise<HttpResponse> {
  if (request.method === "OPTIONS") return { status: 204, headers: corsPreflight, body: "" };
  if (request.method !== "GET" && request.method !== "POST") return json(405, { error: `method ${request.method} is not allowed` });

  const token = accessOf(tokens, presentedToken(request));
  if (!token) {
    recordEdgeRefusal(gateway.metrics, "unauthorized");
    return json(401, { error: "Unauthorized" });
  }
  // What was received counts, not only the arguments that survive parsing (padding, nesting, numbers).
  const received = Buffer.byteLength(request.body);
  if (received > gateway.settings.maxRequestBytes) {
    recordEdgeRefusal(gateway.metrics, "request");
    return json(400, { error: `request body of ${received} bytes exceeds the limit of ${gateway.settings.maxRequestBytes}` });
  }

  const base64 = request.headers["upstash-encoding"]?.toLowerCase() === "base64";
  const format = responseFormatOf(request, base64);
  if (typeof format !== "string") {
    recordEdgeRefusal(gateway.metrics, "request");
    return format;
  }
  const route = request.path.replace(/\/+$/, "");
  const request_ = { access: token.access, caller: callerIdOfDigest(token.digest), scalarsAsStrings: true };
  const batch = request.method === "POST" && (route === "/pipeline" || route === "/multi-exec");
  let commands: unknown;
  try {
    commands = batch ? parseBatch(request.body) : [commandOfRequest(request)];
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    recordEdgeRefusal(gateway.metrics, "request");
    return json(error.status, { error: error.message });
  }
  try {
    if (batch) {
      const transaction = route === "/multi-exec";
      const results = await gateway.run(commands, { ...request_, transaction });
      // /multi-exec answers JSON whatever the format asked (as Upstash does).
      if (format === "resp2" && !transaction) return resp2(200, Buffer.concat(results.map(asResp2)));
      return json(
        200,
        results.map((r) => entry(r, base64)),
      );
    }
    const [result] = await gateway.run(commands, { ...request_, transaction: false });
    if (format === "resp2") return resp2(result.reply.ok ? 200 : 400, asResp2(result));
    const reply = entry(result, base64);
    return json("error" in reply ? 400 : 200, reply);
  } catch (error) {
    return replyOfError(error);
  }
}
