// The feature store's reader locally: the same core the Lambda behind API Gateway runs.
import type { Cluster, Redis } from "ioredis";
import { CurrentVersion, readRecommendations } from "../functions/feature-reader/reader.js";
import { requestOf, send, serve } from "./http.js";
import type { HttpService } from "./services.js";

export async function startFeatureServer(client: Redis | Cluster, options: { host?: string; port?: number } = {}): Promise<HttpService> {
  const current = new CurrentVersion(client);
  return serve(async (request, response) => send(response, await readRecommendations(client, current, requestOf(request, ""))), options);
}
