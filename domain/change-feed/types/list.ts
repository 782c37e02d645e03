// Lists: a `value` attribute holding a DynamoDB list, in the list's order (an element that is not
// UTF-8 is a binary element).
import { fieldValueOf } from "../item-values.js";
import type { ValueType } from "./value-type.js";

export const listType: ValueType = {
  type: "list",
  read: { size: { command: "LLEN", unit: "elements" }, lua: "redis.call('LRANGE', key, 0, -1)" },
  attributes: (value) => ({ value: { list: (value as Buffer[]).map(fieldValueOf) } }),
};
