// SDK clients pointed at the local stand-ins, with throwaway credentials (nothing leaves loopback).
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { writerClientConfig } from "../../domain/change-feed/writer.js";

export const localCredentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
export const localRegion = "us-east-1";

export const localDynamo = (endpoint: string) => new DynamoDBClient({ ...writerClientConfig, endpoint, region: localRegion, credentials: localCredentials });
export const localS3 = (endpoint: string) => new S3Client({ endpoint, region: localRegion, credentials: localCredentials, forcePathStyle: true });

/** An on-demand table keyed by one string attribute, as the change feed's tables are; an existing one is kept. */
export async function createTable(dynamo: DynamoDBClient, name: string, partitionKey: string): Promise<void> {
  await dynamo
    .send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: "S" }],
        KeySchema: [{ AttributeName: partitionKey, KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    )
    .catch((e: Error) => {
      if (e.name !== "ResourceInUseException") throw e;
    });
}
