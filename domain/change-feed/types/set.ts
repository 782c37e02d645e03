// Sets: a `value` attribute holding a DynamoDB string set, or a binary set when any member is not
// UTF-8 (a DynamoDB set holds one kind, so then every member is carried as bytes). A Redis set is never
// empty (removing its last member deletes the key), so an empty DynamoDB set never arises.
import { utf8 } from "../item-values.js";
import type { ValueType } from "./value-type.js";

export const setType: ValueType = {
  type: "set",
  read: { size: { command: "SCARD", unit: "elements" }, lua: "redis.call('SMEMBERS', key)" },
  attributes: (value) => {
    const members = value as Buffer[];
    const texts = members.map(utf8);
    if (texts.every((t) => t !== undefined)) return { value: { stringSet: (texts as string[]).sort() } };
    return { value: { binarySet: members.map((m) => m.toString("base64")).sort() } };
  },
};
