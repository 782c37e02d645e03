// Lambda entry: the listener invokes it with `{ table, changes }`; it answers what it wrote.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { writeChanges, writeRequestOf, writerClientConfig } from "../../domain/change-feed/writer.js";
import { changeWriterConfig } from "./config.js";

const config = changeWriterConfig(process.env);
const dynamo = new DynamoDBClient(writerClientConfig);

export const handler = (event: unknown) => writeChanges(dynamo, writeRequestOf(event, config.allowedTables));
