// Writes change-feed items to DynamoDB so that an older snapshot never replaces a newer one.
// BatchWriteItem cannot carry conditions, so each item is a conditional PutItem (run in parallel,
// bounded); a delete is a versioned tombstone, so a late older snapshot cannot resurrect the item.
import { PutItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { defaultRetryPolicy, withRetry, type RetryPolicy } from "../runtime/retry.js";
import { BadWriteRequest, TableNotAllowed } from "./errors.js";
import { attributeBytes, attributeOf, type ItemValue } from "./item-values.js";

/** Attributes every item carries besides the hash's fields. */
export const versionAttribute = "_v";
export const deletedAttribute = "_deleted";
export const expiresAttribute = "_expiresAt";
export const reservedAttributes = [versionAttribute, deletedAttribute, expiresAttribute];

export interface Change {
  /** The Redis key, for reports and the dead-letter stream. */
  key: string;
  /** Partition key attribute name and value. */
  partitionKey: { name: string; value: string };
  /** Redis server time of the read, in microseconds: orders snapshots of one key. */
  version: number;
  /** The item's other attributes (a hash's fields, or another type's `value`); absent for a delete. */
  attributes?: Record<string, ItemValue>;
}

export interface WriteRequest {
  table: string;
  changes: Change[];
  /** How long a tombstone stays before DynamoDB TTL removes it. */
  tombstoneSeconds?: number;
  /**
   * Write whatever version the item holds (reconcile --repair): a forged far-future `_v` must not pin
   * an item forever. The listener never sets it.
   */
  overwrite?: boolean;
}

export interface WriteResult {
  written: number;
  /** A newer (or the same) version was already there: not an error. */
  skipped: number;
  retried: number;
  /** Items that can never be written, with the reason; the caller dead-letters them. */
  rejected: { key: string; reason: string }[];
}

/** Checks an invocation's shape and that its table is one of `allowedTables` (empty: any). */
export function writeRequestOf(event: unknown, allowedTables: ReadonlySet<string>): WriteRequest {
  const request = event as Partial<WriteRequest> | null;
  if (!request || typeof request.table !== "string" || !Array.isArray(request.changes)) {
    throw new BadWriteRequest('expected { "table": "...", "changes": [...] }');
  }
  // Its role may write only to the tables it was deployed for; say so instead of an AccessDenied.
  if (allowedTables.size && !allowedTables.has(request.table)) throw new TableNotAllowed(`table ${request.table} is not one this function writes to`);
  return request as WriteRequest;
}

/**
 * Settings for the DynamoDB client that writes changes: without `cacheMiddleware` the SDK rebuilds its
 * middleware stack on every send, about a sixth of a PutItem's CPU (measured: 463 -> 383 µs).
 */
export const writerClientConfig = { cacheMiddleware: true } as const;

export const maxItemBytes = 400 * 1024;
/** A version (Redis server time, µs) further ahead of the writer's clock than this is refused. */
export const maxVersionAheadMicros = 5 * 60 * 1_000_000;
const maxKeyBytes = 2048;
const retryable = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
]);
const isRetryable = (error: unknown) => retryable.has((error as Error)?.name) || /ECONNRESET|ECONNREFUSED|socket hang up/.test(String(error));

/** DynamoDB's item size rule: attribute names plus values, in bytes. */
const itemBytes = (item: Record<string, AttributeValue>) =>
  Object.entries(item).reduce((n, [name, value]) => n + Buffer.byteLength(name) + attributeBytes(value), 0);

/** The item for a change, or the reason it can never be written. */
export function itemOf(change: Change, tombstoneSeconds: number, now = Date.now()): Record<string, AttributeValue> | string {
  const { name, value } = change.partitionKey;
  if (value === "") return `partition key ${name} is empty`;
  if (Buffer.byteLength(value) > maxKeyBytes) return `partition key ${name} is ${Buffer.byteLength(value)} bytes, over DynamoDB's ${maxKeyBytes}`;
  const item: Record<string, AttributeValue> = { [name]: { S: value }, [versionAttribute]: { N: String(change.version) } };
  if (!change.attributes) {
    item[deletedAttribute] = { BOOL: true };
    item[expiresAttribute] = { N: String(Math.floor(now / 1000) + tombstoneSeconds) };
    return item;
  }
  for (const [field, value] of Object.entries(change.attributes)) {
    if (field === name || reservedAttributes.includes(field))
      return `hash field "${field}" collides with the item's ${field === name ? "partition key" : "reserved"} attribute`;
    // The AWS SDK builds attribute maps as plain objects, where this one name sets the prototype instead.
    if (field === "__proto__") return 'hash field "__proto__" cannot be carried: the AWS SDK for JavaScript drops it';
    item[field] = attributeOf(value);
  }
  const bytes = itemBytes(item);
  if (bytes > maxItemBytes) return `item of ${bytes} bytes exceeds DynamoDB's 400 KB item limit`;
  return item;
}

/** Runs `tasks` with at most `limit` at a time. */
async function bounded<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/** Only the newest snapshot of each key matters (and one statement or request may not name a key twice). */
export function newestPerKey(changes: Change[]): Change[] {
  const newest = new Map<string, Change>();
  for (const change of changes) {
    const seen = newest.get(change.partitionKey.value);
    if (!seen || seen.version < change.version) newest.set(change.partitionKey.value, change);
  }
  return [...newest.values()];
}

/** Why a version cannot be written: too far ahead of this clock (a forged or skewed `_v` would pin the item forever). */
export function versionAhead(change: Change, now = Date.now()): string | undefined {
  const ahead = change.version - now * 1_000;
  return ahead > maxVersionAheadMicros
    ? `version ${change.version} is ${Math.round(ahead / 1e6)} s ahead of the writer's clock (a forged or skewed _v would pin the item)`
    : undefined;
}

export async function writeChanges(
  dynamo: DynamoDBClient,
  request: WriteRequest,
  options: { concurrency?: number; retry?: RetryPolicy } = {},
): Promise<WriteResult> {
  const result: WriteResult = { written: 0, skipped: 0, retried: 0, rejected: [] };
  const newest = newestPerKey(request.changes);
  result.skipped += request.changes.length - newest.length;
  await bounded(newest, options.concurrency ?? 16, async (change) => {
    const item = itemOf(change, request.tombstoneSeconds ?? 86_400);
    const why = typeof item === "string" ? item : versionAhead(change);
    if (why || typeof item === "string") {
      result.rejected.push({ key: change.key, reason: why ?? String(item) });
      return;
    }
    // On the version attribute, not the key: it guards the item whatever the table's key is named.
    const condition = request.overwrite
      ? {}
      : {
          ConditionExpression: "attribute_not_exists(#v) OR #v < :v",
          ExpressionAttributeNames: { "#v": versionAttribute },
          ExpressionAttributeValues: { ":v": { N: String(change.version) } },
        };
    const command = new PutItemCommand({ TableName: request.table, Item: item, ...condition });
    try {
      await withRetry(
        async (attempt) => {
          if (attempt > 0) result.retried++;
          return dynamo.send(command);
        },
        isRetryable,
        options.retry ?? defaultRetryPolicy,
      );
      result.written++;
    } catch (error) {
      const name = (error as Error).name;
      if (name === "ConditionalCheckFailedException") result.skipped++;
      else if (name === "ValidationException") result.rejected.push({ key: change.key, reason: `DynamoDB refused the item: ${(error as Error).message}` });
      else throw error;
    }
  });
  return result;
}
