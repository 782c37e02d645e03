// A key's value read the plain way (each type's own command, as bytes), and the value an item stands
// for (the round trip's way back): the tests' independent check of the change feed's shapes.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Redis } from "ioredis";

/** The types the feed copies whole, besides hashes. */
export const valueTypes = ["string", "list", "set", "zset"];

const bytes = (value: AttributeValue) => (value.S !== undefined ? Buffer.from(value.S) : Buffer.from(value.B!));

/** The Redis value an item's `value` stands for, in the shape `redisValue` answers; throws when the item has another type's shape. */
export function redisValueOf(type: string, item: Record<string, AttributeValue>): unknown {
  const value = item.value;
  if (type === "string") return value.N !== undefined ? Buffer.from(value.N) : bytes(value);
  if (type === "list") return value.L!.map(bytes);
  if (type === "set") return (value.SS?.map((s) => Buffer.from(s)) ?? value.BS!.map((b) => Buffer.from(b))).sort(Buffer.compare);
  if (type === "zset") return value.L!.flatMap(({ M }) => [bytes(M!.member), Buffer.from(M!.score.N ?? M!.score.S!)]);
  throw new Error(`no way back for ${type}`);
}

/** What Redis holds under `key` of `type`, read as bytes with the type's own command. */
export async function redisValue(redis: Redis, type: string, key: string): Promise<unknown> {
  if (type === "string") return redis.getBuffer(key);
  if (type === "list") return redis.lrangeBuffer(key, 0, -1);
  if (type === "set") return (await redis.smembersBuffer(key)).sort(Buffer.compare);
  return redis.zrangeBuffer(key, 0, -1, "WITHSCORES");
}

/** Whether an item stands for `value` (false, not a throw, when it has another type's shape). */
export function standsFor(type: string, item: Record<string, AttributeValue>, value: unknown): boolean {
  try {
    return JSON.stringify(redisValueOf(type, item)) === JSON.stringify(value);
  } catch {
    return false;
  }
}
