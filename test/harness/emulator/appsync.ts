// AppSync data sources and resolvers, which moto 5 lacks (its GraphQL APIs, keys and schemas serve as
// they are), as the AppSync API reference describes them. The API they belong to must exist in moto.
import type { Reply, Request } from "./front.js";

interface DataSource {
  name: string;
  type: string;
  [field: string]: unknown;
}

const json = (status: number, body: unknown, errorType?: string): Reply => ({
  status,
  headers: { "content-type": "application/json", ...(errorType ? { "x-amzn-errortype": errorType } : {}) },
  body: Buffer.from(JSON.stringify(errorType ? { __type: errorType, message: body } : body)),
});
const notFound = (message: string) => json(404, message, "NotFoundException");
const badRequest = (message: string) => json(400, message, "BadRequestException");

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const motoId = (id: string) => `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;

const dataSourceTypes = [
  "AWS_LAMBDA",
  "AMAZON_DYNAMODB",
  "AMAZON_ELASTICSEARCH",
  "NONE",
  "HTTP",
  "RELATIONAL_DATABASE",
  "AMAZON_OPENSEARCH_SERVICE",
  "AMAZON_EVENTBRIDGE",
  "AMAZON_BEDROCK_RUNTIME",
];

export class AppSync {
  /** api id -> data sources by name */
  private readonly dataSources = new Map<string, Map<string, DataSource>>();
  /** api id -> resolvers by `type.field` */
  private readonly resolvers = new Map<string, Map<string, Record<string, unknown>>>();

  /**
   * Serves the data source and resolver routes and an API's deletion (which takes both along), and
   * forwards the rest to moto with AWS's API ids: AppSync's are 26 letters and digits, moto's UUIDs,
   * whose hyphens the provider takes for the separator in a data source's id (`<apiId>-<name>`).
   */
  async serve(request: Request, forward: (r: Request) => Promise<Reply>): Promise<Reply> {
    const inMoto = { ...request, path: request.path.replace(/\/apis\/([0-9a-f]{32})/, (_, id: string) => `/apis/${motoId(id)}`) };
    const reply = (await this.ownRoute(inMoto, forward)) ?? (await forward(inMoto));
    return { ...reply, body: Buffer.from(reply.body.toString().replace(uuid, (id) => id.replace(/-/g, ""))) };
  }

  private async ownRoute(request: Request, forward: (r: Request) => Promise<Reply>): Promise<Reply | undefined> {
    const apiExists = async (apiId: string) => (await forward({ ...request, method: "GET", path: `/v1/apis/${apiId}`, body: Buffer.alloc(0) })).status === 200;
    const [path] = request.path.split("?");
    const [, version, apis, apiId, kind, ...rest] = path.split("/");
    if (version !== "v1" || apis !== "apis" || !apiId) return undefined;
    if (!kind) {
      if (request.method !== "DELETE") return undefined;
      const reply = await forward(request);
      if (reply.status < 300) [this.dataSources, this.resolvers].forEach((m) => m.delete(apiId));
      return reply;
    }
    const body = request.body.length ? (JSON.parse(request.body.toString()) as Record<string, unknown>) : {};
    if (kind === "datasources")
      return (await apiExists(apiId))
        ? this.dataSource(request.method, apiId, decodeURIComponent(rest[0] ?? ""), body)
        : notFound(`GraphQL API ${apiId} not found.`);
    if (kind === "types" && rest[1] === "resolvers")
      return (await apiExists(apiId))
        ? this.resolver(request.method, apiId, decodeURIComponent(rest[0]), decodeURIComponent(rest[2] ?? ""), body)
        : notFound(`GraphQL API ${apiId} not found.`);
    return undefined;
  }

  /** CreateDataSource, GetDataSource, DeleteDataSource: https://docs.aws.amazon.com/appsync/latest/APIReference/API_CreateDataSource.html */
  private dataSource(method: string, apiId: string, name: string, body: Record<string, unknown>): Reply | undefined {
    const sources = this.dataSources.get(apiId) ?? new Map<string, DataSource>();
    this.dataSources.set(apiId, sources);
    if (method === "POST" && !name) {
      const created = { ...body, name: String(body.name ?? ""), type: String(body.type ?? "") } as DataSource;
      if (!/^[_A-Za-z][_0-9A-Za-z]{0,64}$/.test(created.name)) return badRequest(`Data source name ${created.name} is not valid.`);
      if (!dataSourceTypes.includes(created.type)) return badRequest(`Data source type ${created.type} is not valid.`);
      if (created.type === "AWS_LAMBDA" && !(created.lambdaConfig as { lambdaFunctionArn?: string } | undefined)?.lambdaFunctionArn)
        return badRequest("A Lambda data source needs lambdaConfig.lambdaFunctionArn.");
      if (sources.has(created.name)) return badRequest(`Data source with name ${created.name} already exists.`);
      const dataSource = { ...created, dataSourceArn: `arn:aws:appsync:us-east-1:123456789012:apis/${apiId}/datasources/${created.name}` };
      sources.set(created.name, dataSource);
      return json(200, { dataSource });
    }
    const found = sources.get(name);
    if (!found) return notFound(`No data source found named ${name}.`);
    if (method === "GET") return json(200, { dataSource: found });
    if (method !== "DELETE") return undefined;
    sources.delete(name);
    return json(200, {});
  }

  /** CreateResolver, GetResolver, DeleteResolver: https://docs.aws.amazon.com/appsync/latest/APIReference/API_CreateResolver.html */
  private resolver(method: string, apiId: string, typeName: string, fieldName: string, body: Record<string, unknown>): Reply | undefined {
    const resolvers = this.resolvers.get(apiId) ?? new Map<string, Record<string, unknown>>();
    this.resolvers.set(apiId, resolvers);
    if (method === "POST" && !fieldName) {
      const field = String(body.fieldName ?? "");
      if (resolvers.has(`${typeName}.${field}`)) return badRequest(`Only one resolver is allowed per field (${typeName}.${field}).`);
      const kind = String(body.kind ?? "UNIT");
      if (kind === "UNIT" && !this.dataSources.get(apiId)?.has(String(body.dataSourceName)))
        return notFound(`No data source found named ${String(body.dataSourceName)}.`);
      const resolver = {
        ...body,
        typeName,
        fieldName: field,
        kind,
        resolverArn: `arn:aws:appsync:us-east-1:123456789012:apis/${apiId}/types/${typeName}/resolvers/${field}`,
      };
      resolvers.set(`${typeName}.${field}`, resolver);
      return json(200, { resolver });
    }
    const found = resolvers.get(`${typeName}.${fieldName}`);
    if (!found) return notFound(`No resolver found for ${typeName}.${fieldName}.`);
    if (method === "GET") return json(200, { resolver: found });
    if (method !== "DELETE") return undefined;
    resolvers.delete(`${typeName}.${fieldName}`);
    return json(200, {});
  }
}
