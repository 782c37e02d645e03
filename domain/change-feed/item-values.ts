// What a change carries to its item, in a form that survives JSON (the Lambda path's payload): text,
// bytes as base64, and the collections each Redis type becomes. One function turns it into DynamoDB's
// attribute; one compares an attribute with it (reconcile, the drift check).
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/** A value that is not valid UTF-8: carried exactly as a DynamoDB binary attribute (base64 on the way to the writer). */
export interface BinaryValue {
  base64: string;
}

/** A hash field's value: text, or bytes that are not valid UTF-8. */
export type FieldValue = string | BinaryValue;

/** A sorted set's member with its score (a decimal number, or `inf`/`-inf`, which DynamoDB numbers cannot hold). */
export interface ScoredMember {
  member: FieldValue;
  score: string;
}

/** An item attribute's value, by the shape its Redis type gives it (docs/change-feed.md). */
export type ItemValue =
  | FieldValue
  | { number: string }
  | { list: ItemValue[] }
  | { stringSet: string[] }
  | { binarySet: string[] }
  | { scored: ScoredMember[] }
  | { map: Record<string, ItemValue> }
  | { bool: boolean }
  | { null: true };

const infinite = (score: string) => /^[+-]?inf$/i.test(score);

/** The DynamoDB attribute of an item value. */
export function attributeOf(value: ItemValue): AttributeValue {
  if (typeof value === "string") return { S: value };
  if ("base64" in value) return { B: Buffer.from(value.base64, "base64") };
  if ("number" in value) return { N: value.number };
  if ("list" in value) return { L: value.list.map(attributeOf) };
  if ("stringSet" in value) return { SS: value.stringSet };
  if ("binarySet" in value) return { BS: value.binarySet.map((b) => Buffer.from(b, "base64")) };
  if ("scored" in value) {
    return {
      L: value.scored.map(({ member, score }) => ({ M: { member: attributeOf(member), score: infinite(score) ? { S: score.toLowerCase() } : { N: score } } })),
    };
  }
  if ("map" in value) return { M: Object.fromEntries(Object.entries(value.map).map(([k, v]) => [k, attributeOf(v)])) };
  if ("bool" in value) return { BOOL: value.bool };
  return { NULL: true };
}

const bytesOf = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array());
const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join("\0") === [...b].sort().join("\0");

/** Whether two attributes hold the same value (numbers compared as numbers, sets in any order). */
export function sameAttribute(a: AttributeValue, b: AttributeValue): boolean {
  if (a.S !== undefined) return a.S === b.S;
  if (a.B !== undefined) return b.B !== undefined && bytesOf(a.B).equals(bytesOf(b.B));
  if (a.N !== undefined) return b.N !== undefined && Number(a.N) === Number(b.N);
  if (a.BOOL !== undefined) return a.BOOL === b.BOOL;
  if (a.NULL !== undefined) return b.NULL !== undefined;
  if (a.SS) return !!b.SS && sameSet(a.SS, b.SS);
  if (a.BS)
    return (
      !!b.BS &&
      sameSet(
        a.BS.map((x) => bytesOf(x).toString("base64")),
        b.BS.map((x) => bytesOf(x).toString("base64")),
      )
    );
  if (a.L) return !!b.L && a.L.length === b.L.length && a.L.every((x, i) => sameAttribute(x, b.L![i]));
  if (a.M) {
    const keys = Object.keys(a.M);
    return !!b.M && keys.length === Object.keys(b.M).length && keys.every((k) => Object.hasOwn(b.M!, k) && sameAttribute(a.M![k], b.M![k]));
  }
  return false;
}

/** DynamoDB's item size rule, approximately: attribute names plus values, in bytes (numbers by digits, collections summed). */
export function attributeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.B !== undefined) return value.B.length;
  if (value.N !== undefined) return Math.ceil(value.N.length / 2) + 1;
  if (value.SS) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (value.BS) return value.BS.reduce((n, b) => n + b.length, 0);
  // A list or map costs 3 bytes, plus 1 per element, plus its elements (and a map's names).
  if (value.L) return value.L.reduce((n, v) => n + 1 + attributeBytes(v), 3);
  if (value.M) return Object.entries(value.M).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + attributeBytes(v), 3);
  return 1;
}

/** Text when the bytes are valid UTF-8 (they survive a round trip), else undefined. */
export function utf8(bytes: Buffer): string | undefined {
  const text = bytes.toString("utf8");
  return Buffer.byteLength(text) === bytes.length && Buffer.from(text, "utf8").equals(bytes) ? text : undefined;
}

/** Bytes as an item value: text when they are UTF-8, else binary. */
export const fieldValueOf = (bytes: Buffer): FieldValue => utf8(bytes) ?? { base64: bytes.toString("base64") };
