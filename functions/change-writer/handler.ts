// Lambda entry: the listener invokes it with `{ table, changes }`; it answers what it wrote.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { writeChanges, writerClientConfig, type WriteRequest } from "../change-feed/writer.js";

const dynamo = new DynamoDBClient(writerClientConfig);
const allowedTables = new Set((process.env.ALLOWED_TABLES ?? "").split(",").filter(Boolean));

export const handler = async (request: WriteRequest) => {
  if (!request || typeof request.table !== "string" || !Array.isArray(request.changes)) {
    throw new Error('expected { "table": "...", "changes": [...] }');
  }
  // Its role may write only to the tables it was deployed for; say so instead of an AccessDenied.
  if (allowedTables.size && !allowedTables.has(request.table)) throw new Error(`table ${request.table} is not one this function writes to`);
  return writeChanges(dynamo, request);
};
