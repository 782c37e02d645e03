// Lambda entry behind API Gateway (HTTP API, payload 2.0): GET /recommendations?userId=1&rank=1.
import { connectRedisOrCluster, redisSettingsFromEnvironment } from "../shared/redis/clients.js";
import { CurrentVersion, readRecommendations } from "./reader.js";

const client = await connectRedisOrCluster(redisSettingsFromEnvironment(process.env));
const current = new CurrentVersion(client);

interface HttpApiEvent {
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
}

export const handler = async (event: HttpApiEvent) => {
  const response = await readRecommendations(client, current, {
    path: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ""),
    accept: event.headers?.accept,
  });
  return { statusCode: response.status, headers: { "content-type": response.contentType }, body: response.body };
};
