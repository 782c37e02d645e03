// DynamoDB fixtures for the change-feed suites (dynalite).
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** The item's attributes as plain strings, or undefined when absent or a tombstone. */
export async function liveItem(dynamo: DynamoDBClient, table: string, key: Record<string, string>) {
  const { Item } = await dynamo.send(
    new GetItemCommand({ TableName: table, Key: Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }])), ConsistentRead: true }),
  );
  if (!Item || Item._deleted?.BOOL) return undefined;
  return Object.fromEntries(
    Object.entries(Item)
      .filter(([k]) => k !== "_v")
      .map(([k, v]) => [k, v.S ?? v.N]),
  );
}
