// Hashes: each field an attribute of the item (or, with the envelope format, the hash as JSON text).
// Hash fields that expire (Valkey 9) disappear from the item when the engine removes them; their TTLs
// are not carried (docs/change-feed.md says why).
import { fieldValueOf, utf8, type FieldValue } from "../item-values.js";
import type { ValueType } from "./value-type.js";

/**
 * A hash read as bytes (`HGETALL` flattened), carried exactly: values that are not UTF-8 become binary;
 * a field name that is not UTF-8 cannot name an attribute, so the hash is refused with the reason.
 */
export function hashFields(flat: Buffer[]): Record<string, FieldValue> | string {
  // No prototype: a field named __proto__ is an ordinary entry here (the writer refuses it by name).
  const fields = Object.create(null) as Record<string, FieldValue>;
  for (let i = 0; i < flat.length; i += 2) {
    const name = utf8(flat[i]);
    if (name === undefined) return `hash field 0x${flat[i].toString("hex").slice(0, 64)} is not valid UTF-8 and cannot name an attribute`;
    fields[name] = fieldValueOf(flat[i + 1]);
  }
  return fields;
}

export const hashType: ValueType = {
  type: "hash",
  read: { size: { command: "HLEN", unit: "elements" }, lua: "redis.call('HGETALL', key)" },
  attributes: (value) => hashFields(value as Buffer[]),
};
