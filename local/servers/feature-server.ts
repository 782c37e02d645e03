// The feature store's reader locally: the same core the Lambda behind API Gateway runs.
import type { Cluster, Redis } from "ioredis";
import { CurrentVersion, readAndRecord } from "../../domain/feature-store/reader.js";
import { PathMetrics } from "../../domain/runtime/metrics.js";
import { requestOf, send, serve } from "./http.js";
import type { HttpService } from "../launcher/services.js";

export async function startFeatureServer(client: Redis | Cluster, options: { host?: string; port?: number; metrics?: PathMetrics } = {}): Promise<HttpService> {
  const current = new CurrentVersion(client);
  const metrics = options.metrics ?? new PathMetrics("feature-store", () => {});
  return serve(async (request, response) => send(response, await readAndRecord(metrics, client, current, requestOf(request, ""))), options);
}
