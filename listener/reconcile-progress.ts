// A reconcile's progress on a terminal: Redis keys scanned against the keyspace's size (every key of
// every primary: an upper bound) and table items read against DynamoDB's item count (refreshed by
// AWS about every six hours: an estimate). Off a terminal nothing is drawn; the report is the output.
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MultiBar, Presets, type SingleBar } from "cli-progress";
import type { Cluster, Redis } from "ioredis";
import { primaryNodes } from "../domain/redis/clients.js";
import type { ReconcileProgress } from "../domain/change-feed/reconcile.js";

export async function terminalProgress(
  client: Redis | Cluster,
  dynamo: DynamoDBClient,
  table: string,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<ReconcileProgress & { stop(): void }> {
  if (!stream.isTTY) return { scanned: () => {}, read: () => {}, stop: () => {} };
  const sizes = await Promise.all(primaryNodes(client).map((node) => node.dbsize()));
  // A SQL table (or a table that cannot be described) has no count up front: its bar grows as rows are read.
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: table })).catch(() => ({ Table: undefined }));
  const bars = new MultiBar({ stream, format: "{what} [{bar}] {value}/{total}", hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  const bar = (total: number, what: string) => {
    const drawn: SingleBar = bars.create(Math.max(1, total), 0, { what });
    let value = 0;
    return (by: number) => {
      value += by;
      if (value > drawn.getTotal()) drawn.setTotal(value);
      drawn.update(value);
    };
  };
  const scanned = bar(
    sizes.reduce((a, b) => a + b, 0),
    "redis keys ",
  );
  const read = bar(Table?.ItemCount ?? 0, "table items");
  return { scanned, read, stop: () => bars.stop() };
}
