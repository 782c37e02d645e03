// JSON documents (ElastiCache's JSON, TYPE `ReJSON-RL`): a `value` attribute holding the document as
// native DynamoDB maps, lists, numbers, booleans and nulls. An empty object or array is carried as is
// (DynamoDB allows empty maps and lists); a number DynamoDB cannot hold refuses the document.
import type { ItemValue } from "../item-values.js";
import type { ValueType } from "./value-type.js";

/** A parsed JSON value as an item value; throws for a number past DynamoDB's 38 digits. */
export function itemValueOfJson(value: unknown, path = "$"): ItemValue {
  if (value === null) return { null: true };
  if (typeof value === "boolean") return { bool: value };
  if (typeof value === "number") {
    if (!Number.isFinite(value) || String(value).replace(/[-.]|e.*$/g, "").length > 38) throw new Error(`${path} is a number DynamoDB cannot hold`);
    return { number: String(value) };
  }
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return { list: value.map((v, i) => itemValueOfJson(v, `${path}[${i}]`)) };
  const map = Object.create(null) as Record<string, ItemValue>;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) map[k] = itemValueOfJson(v, `${path}.${k}`);
  return { map };
}

export const jsonType: ValueType = {
  type: "ReJSON-RL",
  // JSON.GET with no path answers the whole document as JSON text; its size is checked as bytes by the item limit.
  read: { lua: "redis.call('JSON.GET', key)" },
  attributes: (value) => {
    try {
      return { value: itemValueOfJson(JSON.parse((value as Buffer).toString("utf8"))) };
    } catch (error) {
      return `the JSON document cannot be carried: ${(error as Error).message}`;
    }
  },
};
