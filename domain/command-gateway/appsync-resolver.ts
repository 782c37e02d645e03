// The GraphQL resolver's core: an AppSync Direct Lambda Resolver event in, the field's value out.
import { callerId, type CommandGateway, type CommandResult } from "./gateway.js";
import { BadRequest } from "./errors.js";
import { RequestBudget } from "./batch.js";
import type { GatewaySettings } from "./settings.js";
import { fixedSelectionBytes, fixedSelections, replyCopies } from "./appsync-selection.js";
import { RedisReplyError } from "../redis/connector.js";
import { isStatusReply, toTypedReply, type TypedReply } from "./replies.js";

/** The parts of AppSync's Direct Lambda Resolver event that the resolver reads. */
export interface AppSyncResolverEvent {
  arguments: Record<string, unknown>;
  identity?: { username?: string; userArn?: string; resolverContext?: Record<string, string> } | null;
  request?: { headers?: Record<string, string | undefined> };
  info: { fieldName: string; parentTypeName: string; selectionSetGraphQL?: string };
}

export interface GraphQLReply {
  type: TypedReply["type"];
  /** AWSJSON: AppSync wants the JSON text. */
  value: string | null;
  error: string | null;
}

const typedReplies = (results: CommandResult[], encoding?: unknown) =>
  results.map((r) => toTypedReply(r.reply, isStatusReply(r.command.name, r.command.args), encoding === "BASE64" ? "BASE64" : "TEXT"));

const asGraphQL = (reply: TypedReply): GraphQLReply => ({
  type: reply.type,
  value: reply.value === null ? null : JSON.stringify(reply.value),
  error: reply.error ?? null,
});

/** The original design's flat strings: a scalar as one string, an array as its elements. */
function flatStrings(reply: TypedReply): (string | null)[] {
  if (reply.type === "ERROR") throw new RedisReplyError(reply.error ?? "ERR");
  if (reply.type === "ARRAY") return (reply.value as TypedReply[]).map((r) => (r.value === null ? null : String(r.value)));
  return [reply.value === null ? null : String(reply.value)];
}

/** Who is calling: an IAM or Lambda-authorizer identity, else the API key (as a hash, never the key). */
export function callerOf(event: AppSyncResolverEvent): string | undefined {
  const identity = event.identity;
  if (identity?.resolverContext?.caller) return identity.resolverContext.caller;
  if (identity?.userArn) return identity.userArn;
  const apiKey = event.request?.headers?.["x-api-key"];
  if (!apiKey) return undefined;
  // The same few keys arrive on every request: hash each once (AppSync has already checked it).
  let id = apiKeyIds.get(apiKey);
  if (id === undefined) {
    if (apiKeyIds.size >= 100) apiKeyIds.clear();
    apiKeyIds.set(apiKey, (id = callerId(apiKey)));
  }
  return id;
}

const apiKeyIds = new Map<string, string>();

/** One field's share of a request's limits: AppSync runs up to `fields` resolvers for one document, each on its own. */
export function fieldShare(settings: GatewaySettings, fields: number): GatewaySettings {
  const share = (n: number) => Math.max(1, Math.floor(n / fields));
  return {
    ...settings,
    maxCommands: share(settings.maxCommands),
    maxRequestBytes: share(settings.maxRequestBytes),
    maxReplyBytes: share(settings.maxReplyBytes),
    maxCopyBytes: share(settings.maxCopyBytes),
  };
}

/**
 * Every reply repeats its fixed selections (`type`, `error`, `__typename`, however aliased): their
 * bytes are charged to the reply budget before anything runs, so a thousand aliases of `type` over a
 * hundred commands are refused, not answered with megabytes.
 */
function chargeFixedSelections(budget: RequestBudget, selectionSetGraphQL: string | undefined, args: Record<string, unknown>): void {
  const replies = Array.isArray(args.commands) ? args.commands.length : Array.isArray(args.Command) ? args.Command.length : 1;
  const selections = fixedSelections(selectionSetGraphQL);
  const bytes = replies * selections * fixedSelectionBytes;
  if (bytes > budget.replyBytes) {
    throw new BadRequest(
      `the reply selection repeats ${selections} fields (aliases included) for each of ${replies} replies: ${bytes} bytes, over ` +
        budget.describe(budget.replyBytes, budget.settings.maxReplyBytes, "reply bytes"),
    );
  }
  budget.replyBytes -= bytes;
}

/**
 * One root field. AppSync invokes the resolver once per field (its resolver count limit caps the
 * fields of a document), so each gets its share of the request's limits; a server that sees the whole
 * document passes one `budget` to every field instead. A reply selected k times costs k times its bytes.
 */
export async function resolveCommandField(gateway: CommandGateway, event: AppSyncResolverEvent, shared?: RequestBudget): Promise<unknown> {
  const caller = callerOf(event);
  const args = event.arguments ?? {};
  const budget = shared ?? new RequestBudget(fieldShare(gateway.settings, gateway.settings.maxFieldsPerRequest));
  const copies = replyCopies(event.info?.selectionSetGraphQL);
  chargeFixedSelections(budget, event.info?.selectionSetGraphQL, args);
  switch (`${event.info?.parentTypeName}.${event.info?.fieldName}`) {
    case "Query.read":
      return typedReplies(await gateway.run(args.commands, { access: "read", transaction: false, caller, budget, copies }), args.encoding).map(asGraphQL);
    case "Mutation.run":
      return typedReplies(
        await gateway.run(args.commands, { access: "write", transaction: args.transaction === true, caller, budget, copies }),
        args.encoding,
      ).map(asGraphQL);
    case "Query.getRedis":
      return flatStrings(typedReplies(await gateway.run([args.Command], { access: "read", transaction: false, caller, budget, copies }))[0]);
    case "Mutation.putRedis": {
      const replies = typedReplies(await gateway.run(args.Command, { access: "write", transaction: true, caller, budget, copies }));
      return JSON.stringify(replies.map((r) => (r.type === "ERROR" ? { error: r.error } : r.value)));
    }
    default:
      throw new BadRequest(`no resolver for ${event.info?.parentTypeName}.${event.info?.fieldName}`);
  }
}

/**
 * The most values a document's variables may hold: each command argument reaches Redis as at least
 * six bytes (`$0\r\n\r\n`), so no request within its byte limit needs more. Counted before the
 * variables are coerced (a million empty commands are refused in one cheap walk, not coerced first).
 */
export function checkVariablesBound(variables: unknown, settings: GatewaySettings): void {
  const limit = Math.floor((settings.maxFieldsPerRequest * settings.maxRequestBytes) / 6);
  let values = 0;
  const walk = (value: unknown): void => {
    if (++values > limit) throw new BadRequest(`the variables hold more than ${limit} values: more than any request within MAX_REQUEST_BYTES needs`);
    if (Array.isArray(value)) for (const item of value) walk(item);
    else if (value !== null && typeof value === "object") for (const item of Object.values(value)) walk(item);
  };
  walk(variables);
}
