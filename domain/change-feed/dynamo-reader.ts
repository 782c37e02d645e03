// A DynamoDB table read as a mapping's destination: live items (not tombstones) by the Redis key they
// were copied from, compared attribute by attribute with what the writer would write.
import { GetItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { deletedAttribute, reservedAttributes } from "./writer.js";
import { changeOf, keyOfPartitionKey, partitionKeyOf, type CompiledMapping, type Snapshot } from "./mappings.js";
import { attributeOf, sameAttribute, type ItemValue } from "./item-values.js";
import type { DestinationReader } from "./destination-reader.js";

type Item = Record<string, AttributeValue>;

/** Segments the table is cut into for a sample; each sample reads one, at random. */
const sampleSegments = 16;

export class DynamoReader implements DestinationReader {
  constructor(
    private readonly mapping: CompiledMapping,
    private readonly dynamo: DynamoDBClient,
  ) {}

  async *pages(): AsyncIterable<Map<string, unknown>> {
    let start: Item | undefined;
    do {
      const page = await this.dynamo.send(new ScanCommand({ TableName: this.mapping.table, ExclusiveStartKey: start }));
      yield this.live(page.Items ?? []);
      start = page.LastEvaluatedKey;
    } while (start);
  }

  async sample(wanted: number): Promise<string[]> {
    const page = await this.dynamo.send(
      new ScanCommand({ TableName: this.mapping.table, Segment: Math.floor(Math.random() * sampleSegments), TotalSegments: sampleSegments, Limit: wanted }),
    );
    return [...this.live(page.Items ?? []).keys()];
  }

  async entry(key: string): Promise<unknown> {
    const { Item } = await this.dynamo.send(
      new GetItemCommand({
        TableName: this.mapping.table,
        Key: { [this.mapping.partitionKey]: { S: partitionKeyOf(this.mapping, key)! } },
        ConsistentRead: true,
      }),
    );
    return Item && !Item[deletedAttribute]?.BOOL ? Item : undefined;
  }

  same(snapshot: Snapshot, entry: unknown): boolean {
    return sameAttributes(expectedAttributes(this.mapping, snapshot), entry as Item, this.mapping);
  }

  private live(items: Item[]): Map<string, Item> {
    const live = new Map<string, Item>();
    for (const item of items) if (!item[deletedAttribute]?.BOOL) live.set(keyOfPartitionKey(this.mapping, item[this.mapping.partitionKey]?.S ?? ""), item);
    return live;
  }
}

/** The attributes an item should carry for what a key holds, as the writer would write them. */
export function expectedAttributes(mapping: CompiledMapping, snapshot: Snapshot): Record<string, ItemValue> {
  const change = changeOf(mapping, snapshot);
  return typeof change === "string" ? {} : (change.attributes ?? {});
}

export function sameAttributes(expected: Record<string, ItemValue>, item: Item, mapping: CompiledMapping): boolean {
  const actual = Object.entries(item).filter(([name]) => name !== mapping.partitionKey && !reservedAttributes.includes(name));
  return (
    actual.length === Object.keys(expected).length &&
    actual.every(([name, value]) => Object.hasOwn(expected, name) && sameAttribute(attributeOf(expected[name]), value))
  );
}
