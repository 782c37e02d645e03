// The command API locally: the same schema file and the same resolver as AppSync runs, behind
// AppSync's x-api-key check, plus the redis-cli console page.
import {
  buildSchema,
  getOperationAST,
  GraphQLError,
  GraphQLObjectType,
  GraphQLScalarType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  print,
  type ExecutionResult,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { checkVariablesBound, resolveCommandField } from "../../domain/command-gateway/appsync-resolver.js";
import type { CommandGateway } from "../../domain/command-gateway/gateway.js";
import { RequestBudget } from "../../domain/command-gateway/batch.js";
import { bundleConsoleScript } from "./console-script.js";
import { BodyTooLarge, readBody, sendJson, serve } from "./http.js";
import type { HttpService } from "../launcher/services.js";
import { serveStatus, type StatusSource } from "./status-page.js";

export interface ApiKey {
  key: string;
  /** Epoch seconds, as AppSync's `expires`. */
  expires: number;
}

// AppSync's own scalars the schema uses; AWSJSON travels as JSON text.
const awsScalars = "scalar AWSJSON\n";

export function loadCommandApiSchema(): GraphQLSchema {
  const schema = buildSchema(awsScalars + readFileSync(join("schema", "command-api.graphql"), "utf8"));
  const json = schema.getType("AWSJSON") as GraphQLScalarType;
  json.serialize = (value) => (typeof value === "string" ? value : JSON.stringify(value));
  json.parseValue = (value) => (typeof value === "string" ? value : JSON.stringify(value));
  return schema;
}

/** AppSync's answer to a missing, wrong or expired key. */
function unauthorized(response: ServerResponse, message: string) {
  sendJson(response, 401, { errors: [{ errorType: "UnauthorizedException", message }] });
}

function checkApiKey(request: IncomingMessage, keys: ApiKey[], now = Date.now() / 1000): string | undefined {
  const presented = request.headers["x-api-key"];
  if (typeof presented !== "string" || presented === "") return "Valid authorization header not provided.";
  const key = keys.find((k) => k.key === presented);
  if (!key) return "You are not authorized to make this call.";
  if (key.expires <= now) return "API key has expired.";
  return undefined;
}

/** Root fields the operation resolves, through fragments and aliases (`__typename` costs nothing). */
export function rootFieldCount(document: DocumentNode, operationName?: string): number {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const count = (set: SelectionSetNode, seen: Set<string>): number =>
    set.selections.reduce((n, selection) => {
      if (selection.kind === Kind.FIELD) return n + (selection.name.value === "__typename" ? 0 : 1);
      if (selection.kind === Kind.INLINE_FRAGMENT) return n + count(selection.selectionSet, seen);
      const fragment = fragments.get(selection.name.value);
      // Validation refuses fragment cycles; `seen` keeps this count finite before it runs.
      if (!fragment || seen.has(fragment.name.value)) return n;
      return n + count(fragment.selectionSet, new Set([...seen, fragment.name.value]));
    }, 0);
  const operation = getOperationAST(document, operationName);
  return operation ? count(operation.selectionSet, new Set()) : 0;
}

/** The field's selection set as AppSync gives it to a resolver (`info.selectionSetGraphQL`): the set, and the fragments it may use. */
function selectionSetGraphQL(info: GraphQLResolveInfo): string {
  const set = info.fieldNodes[0]?.selectionSet;
  return [set ? print(set) : "", ...Object.values(info.fragments ?? {}).map((f) => print(f))].join("\n");
}

const html = "text/html; charset=utf-8";
/** The compiled-document cache keeps at most this many documents, of at most this many characters in all. */
const maxDocuments = 1_000;
const maxDocumentBytes = 4 << 20;

/** Root fields go to the Lambda resolver with a Direct Lambda Resolver event, as in AppSync. */
function resolveRootFieldsWith(schema: GraphQLSchema, gateway: CommandGateway): void {
  for (const root of [schema.getQueryType(), schema.getMutationType()] as GraphQLObjectType[]) {
    for (const field of Object.values(root.getFields())) {
      field.resolve = (_source, args, context: { headers: Record<string, string | undefined>; budget: RequestBudget }, info: GraphQLResolveInfo) =>
        resolveCommandField(
          gateway,
          {
            arguments: args as Record<string, unknown>,
            identity: null,
            request: { headers: context.headers },
            info: { fieldName: field.name, parentTypeName: root.name, selectionSetGraphQL: selectionSetGraphQL(info) },
          },
          context.budget,
        );
    }
  }
}

/**
 * Parsing, validating and planning dominate a small request's cost, and clients send the same few
 * documents: each is compiled once (graphql-jit) and kept, errors included. Bounded in count and in
 * bytes: a caller sending ever new large documents cannot grow it.
 */
class CompiledDocuments {
  private readonly documents = new Map<string, CompiledQuery | ExecutionResult>();
  bytes = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly maxFieldsPerRequest: number,
  ) {}

  of(query: string, operationName: string | undefined): CompiledQuery | ExecutionResult {
    const cacheKey = `${operationName ?? ""}\n${query}`;
    let document = this.documents.get(cacheKey);
    if (document) return document;
    document = this.compile(query, operationName);
    this.documents.set(cacheKey, document);
    this.bytes += cacheKey.length;
    while (this.documents.size > maxDocuments || this.bytes > maxDocumentBytes) {
      const oldest = this.documents.keys().next().value!;
      this.documents.delete(oldest);
      this.bytes -= oldest.length;
    }
    return document;
  }

  private compile(query: string, operationName: string | undefined): CompiledQuery | ExecutionResult {
    try {
      const parsed = parse(query, { maxTokens: 100_000 });
      const errors = [...validate(this.schema, parsed)];
      const fields = errors.length ? 0 : rootFieldCount(parsed, operationName);
      const max = this.maxFieldsPerRequest;
      // AppSync's resolver count limit, set from the same setting, refuses such a document in AWS.
      if (fields > max) errors.push(new GraphQLError(`the operation has ${fields} root fields; the limit is ${max} per request (MAX_FIELDS_PER_REQUEST)`));
      return errors.length ? { errors } : compileQuery(this.schema, parsed, operationName);
    } catch (error) {
      return { errors: [error as GraphQLError] };
    }
  }
}

/** The console page, its script, the status page and /metrics; false for any other path. */
async function servePage(path: string, response: ServerResponse, status: StatusSource | undefined, consoleScript: () => Promise<string>): Promise<boolean> {
  if (status && (await serveStatus(path, status, response))) return true;
  if (path === "/redis-cli.js") {
    response.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
    response.end(await consoleScript());
    return true;
  }
  if (path.startsWith("/console")) {
    response.writeHead(200, { "content-type": html, "cache-control": "no-store" });
    response.end(readFileSync(join("web", "console.html"), "utf8"));
    return true;
  }
  return false;
}

/** A POST /graphql with a valid key: the document (compiled once) run with one budget for all its fields. */
async function answerGraphql(request: IncomingMessage, response: ServerResponse, documents: CompiledDocuments, gateway: CommandGateway): Promise<void> {
  let body: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    body = JSON.parse((await readBody(request, 6 << 20)).toString("utf8")) as typeof body;
  } catch (error) {
    const message = error instanceof BodyTooLarge ? error.message : "request body is not valid JSON";
    return sendJson(response, 400, { errors: [{ errorType: "BadRequestException", message }] });
  }
  if (typeof body?.query !== "string") return sendJson(response, 400, { errors: [{ errorType: "BadRequestException", message: "query must be a string" }] });
  try {
    checkVariablesBound(body.variables, gateway.settings);
  } catch (error) {
    return sendJson(response, 400, { errors: [{ errorType: "BadRequestException", message: (error as Error).message }] });
  }

  const document = documents.of(body.query, typeof body.operationName === "string" ? body.operationName : undefined);
  const result: ExecutionResult = isCompiledQuery(document)
    ? await document.query(
        undefined,
        // One budget for the whole document: its fields share the per-request limits.
        { headers: request.headers, budget: new RequestBudget(gateway.settings) },
        (body.variables ?? undefined) as Record<string, unknown> | undefined,
      )
    : document;
  const errors = result.errors?.map((e: GraphQLError) => ({
    message: e.message,
    errorType: e.originalError?.name ?? "GraphQLError",
    path: e.path,
    locations: e.locations,
  }));
  sendJson(response, 200, { data: result.data ?? null, ...(errors ? { errors } : {}) });
}

export async function startCommandApiServer(
  gateway: CommandGateway,
  keys: ApiKey[],
  /**
   * `status`: what the status page and /metrics show (local/dev/status-page.ts).
   * `consoleKey`: the key the console connects with on load (the local stack's own). It travels in the
   * console URL's fragment, which browsers never send: the page itself carries no key, for anyone.
   * `consoleStreams`: the REST endpoint and token its SUBSCRIBE streams from, in the same fragment.
   */
  options: { host?: string; port?: number; consoleKey?: string; consoleStreams?: { url: string; token: string }; status?: StatusSource } = {},
): Promise<HttpService & { graphqlUrl: string; consoleUrl: string; cachedDocumentBytes: () => number }> {
  const schema = loadCommandApiSchema();
  resolveRootFieldsWith(schema, gateway);
  const documents = new CompiledDocuments(schema, gateway.settings.maxFieldsPerRequest);
  let consoleScript: Promise<string> | undefined;
  let servedOn = "";
  const service = await serve(async (request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const page = ["/console", "/console.html", "/redis-cli.js"].includes(path) || /^\/(status(\.\w+)?|metrics)$/.test(path);
    if (request.method === "GET" && page) {
      // Only for the loopback name it is served on: a page on another name (DNS rebinding) gets nothing.
      if (request.headers.host !== servedOn) return sendJson(response, 421, { errors: [{ message: `the console is served on ${servedOn} only` }] });
      if (await servePage(path, response, options.status, () => (consoleScript ??= bundleConsoleScript()))) return;
    }
    if (path !== "/graphql") return sendJson(response, 404, { errors: [{ message: `no route ${request.method} ${path}` }] });
    if (request.method !== "POST") return sendJson(response, 405, { errors: [{ message: "use POST" }] });
    const problem = checkApiKey(request, keys);
    if (problem) return unauthorized(response, problem);
    await answerGraphql(request, response, documents, gateway);
  }, options);
  servedOn = new URL(service.endpoint).host;
  const fragment = new URLSearchParams({
    ...(options.consoleKey ? { key: options.consoleKey } : {}),
    ...(options.consoleStreams ? { rest: options.consoleStreams.url, token: options.consoleStreams.token } : {}),
  }).toString();
  const key = fragment ? `#${fragment}` : "";
  return { ...service, graphqlUrl: `${service.endpoint}/graphql`, consoleUrl: `${service.endpoint}/console${key}`, cachedDocumentBytes: () => documents.bytes };
}
