// Rescans: what a subscriber that was away (a restart, a reconnect, a new mapping) did not hear is
// found by SCANning the mapped patterns on every primary; with `deletes`, items whose Redis key is gone
// are found by scanning the table. Each found key is journaled, so its snapshot decides what it becomes.
// The only DynamoDB code in the listener.
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Cluster, Redis } from "ioredis";
import { deletedAttribute } from "../functions/change-feed/writer.js";
import { scanPrimaries } from "../functions/shared/redis/clients.js";
import { keyOfPartitionKey, partitionKeyOf, type CompiledMapping } from "./mappings.js";

export class Rescanner {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly dynamo: DynamoDBClient | undefined,
    /** Journals the keys found. */
    private readonly enqueue: (keys: string[]) => void,
    /** False once the listener stops: a long rescan ends early. */
    private readonly running: () => boolean,
  ) {}

  /** Queues every key the mappings cover (and, with `deletes`, every live item whose key is gone); the number queued. */
  async rescan(mappings: CompiledMapping[], deletes: boolean): Promise<number> {
    let queued = 0;
    for (const mapping of mappings) {
      for await (const { keys } of scanPrimaries(this.client, mapping.scanPattern)) {
        const covered = keys.filter((k) => partitionKeyOf(mapping, k) !== undefined);
        this.enqueue(covered);
        queued += covered.length;
        if (!this.running()) return queued;
      }
      if (deletes && this.dynamo) queued += await this.orphans(mapping, this.dynamo);
    }
    return queued;
  }

  /** Items in the table whose Redis key no longer exists: queued, so their snapshot turns them into deletes. */
  private async orphans(mapping: CompiledMapping, dynamo: DynamoDBClient): Promise<number> {
    let queued = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamo.send(
        new ScanCommand({
          TableName: mapping.table,
          ProjectionExpression: "#pk, #d",
          ExpressionAttributeNames: { "#pk": mapping.partitionKey, "#d": deletedAttribute },
          ExclusiveStartKey: start,
        }),
      );
      const keys = (page.Items ?? [])
        .filter((item) => !item[deletedAttribute]?.BOOL)
        .map((item) => keyOfPartitionKey(mapping, item[mapping.partitionKey]?.S ?? ""));
      const exists = await Promise.all(keys.map((k) => this.client.exists(k)));
      const gone = keys.filter((_, i) => exists[i] === 0);
      this.enqueue(gone);
      queued += gone.length;
      start = page.LastEvaluatedKey;
    } while (start && this.running());
    return queued;
  }
}
