// The change feed's far side for a suite: dynalite with its tables, a local Lambda endpoint serving
// the suite's writer functions, and a Lambda client for it; one stop() for all.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { createTable, localCredentials, localDynamo, localRegion } from "../../local/aws/aws-clients.js";
import { startLambdaEndpoint, type LocalFunction } from "../../local/aws/lambda-endpoint.js";
import { startDynamo } from "../../local/launcher/services.js";

export interface Sinks {
  dynamo: DynamoDBClient;
  dynamodbEndpoint: string;
  lambda: LambdaClient;
  lambdaEndpoint: string;
  stop(): Promise<void>;
}

export async function startSinks(tables: string[], functions: (dynamo: DynamoDBClient) => Record<string, LocalFunction> = () => ({})): Promise<Sinks> {
  const dynamoService = await startDynamo();
  const dynamo = localDynamo(dynamoService.endpoint);
  for (const table of tables) await createTable(dynamo, table, "id");
  const lambdaService = await startLambdaEndpoint(functions(dynamo));
  const lambda = new LambdaClient({ endpoint: lambdaService.endpoint, region: localRegion, credentials: localCredentials });
  return {
    dynamo,
    dynamodbEndpoint: dynamoService.endpoint,
    lambda,
    lambdaEndpoint: lambdaService.endpoint,
    stop: async () => {
      lambda.destroy();
      dynamo.destroy();
      await lambdaService.stop();
      await dynamoService.stop();
    },
  };
}
