// DynamoDB fixtures for the change-feed suites (dynalite).
import { DeleteTableCommand, DescribeTableCommand, GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createTable } from "../../local/aws/aws-clients.js";
import { eventually } from "./eventually.js";

/**
 * An empty table in place of `name`. DeleteTable answers while the table is still DELETING (dynalite
 * removes its items afterwards), and a CreateTable then is refused as in use: wait until it is gone.
 */
export async function recreateTable(dynamo: DynamoDBClient, name: string, partitionKey: string): Promise<void> {
  await dynamo.send(new DeleteTableCommand({ TableName: name })).catch((e: Error) => {
    if (e.name !== "ResourceNotFoundException") throw e;
  });
  const gone = () =>
    dynamo.send(new DescribeTableCommand({ TableName: name })).then(
      () => false,
      (e: Error) => e.name === "ResourceNotFoundException",
    );
  await eventually(`table ${name} to be deleted`, gone, (g) => g, 30_000, 50);
  await createTable(dynamo, name, partitionKey);
}

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
