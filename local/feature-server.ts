// The feature store's reader locally: the same core the Lambda behind API Gateway runs.
import type { Cluster, Redis } from "ioredis";
import { CurrentVersion, readRecommendations } from "../functions/feature-reader/reader.js";
import { serve } from "./http.js";
import type { HttpService } from "./services.js";

export async function startFeatureServer(client: Redis | Cluster, options: { host?: string; port?: number } = {}): Promise<HttpService> {
  const current = new CurrentVersion(client);
  return serve(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://local");
    if (request.method !== "GET") {
      response.writeHead(405, { "content-type": "text/plain" });
      response.end("use GET");
      return;
    }
    const reply = await readRecommendations(client, current, { path: url.pathname, query: url.searchParams, accept: request.headers.accept });
    response.writeHead(reply.status, { "content-type": reply.contentType });
    response.end(reply.body);
  }, options);
}
