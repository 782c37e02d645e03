// Lambda entry behind API Gateway (HTTP API, payload 2.0): GET /recommendations?userId=1&rank=1.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { apiGatewayResult, requestOfApiGateway } from "../shared/http.js";
import { connectRedisOrCluster } from "../shared/redis/clients.js";
import { featureReaderConfig } from "./config.js";
import { CurrentVersion, readRecommendations } from "./reader.js";

const config = featureReaderConfig(process.env);
const client = await connectRedisOrCluster(config.redis);
const current = new CurrentVersion(client);

export const handler = async (event: APIGatewayProxyEventV2) => apiGatewayResult(await readRecommendations(client, current, requestOfApiGateway(event)));
