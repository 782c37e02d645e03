// Strings: one `value` attribute, binary-safe. A decimal number stays text unless the mapping's
// `numbers` option makes it a DynamoDB number (then `007` would read back as 7: off by default).
import { fieldValueOf, type ItemValue } from "../item-values.js";
import type { ValueType } from "./value-type.js";

/** What DynamoDB takes as a number: at most 38 significant digits, no exponent past its range (kept simple: plain decimals). */
const decimal = /^-?(0|[1-9]\d{0,37})(\.\d{1,37})?$/;

export const stringType: ValueType = {
  type: "string",
  read: { size: { command: "STRLEN", unit: "bytes" }, lua: "redis.call('GET', key)" },
  attributes: (value, mapping) => {
    const bytes = value as Buffer;
    const text = fieldValueOf(bytes);
    const item: ItemValue = mapping.numbers && typeof text === "string" && decimal.test(text) ? { number: text } : text;
    return { value: item };
  },
};
