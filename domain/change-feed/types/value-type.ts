// The data types the change feed carries: each is a strategy of its own (one file each) that says how
// the snapshot script reads a key of its type, and what item attributes the value becomes. A mapping
// takes every type unless its `types` list narrows it; a type with no strategy is refused by name.
import type { CompiledMapping } from "../mappings.js";
import type { ItemValue } from "../item-values.js";
import { hashType } from "./hash.js";
import { jsonType } from "./json.js";
import { listType } from "./list.js";
import { setType } from "./set.js";
import { sortedSetType } from "./sorted-set.js";
import { streamType } from "./stream.js";
import { stringType } from "./string.js";

/** The value a snapshot read: a reply (bytes, or a flat list of them), or the size that kept it from being read and the limit it passed. */
export type ReadValue = Buffer | Buffer[] | { tooLarge: number; limit: number };

export interface ValueType {
  /** The engine's TYPE name (`hash`, `ReJSON-RL`). */
  type: string;
  /** How the snapshot script reads it: a size command checked against the limit first, then a Lua expression of `key`. Absent: never read. */
  read?: { size?: { command: string; unit: "elements" | "bytes" }; lua: string };
  /** Why the feed never carries this type: a key of it is treated as a type its mapping does not take (a tombstone and a note). */
  refusal?: string;
  /** The item's attributes for the value read, or why it cannot be carried (the key is then dead-lettered, its item untouched). */
  attributes(value: Buffer | Buffer[], mapping: CompiledMapping): Record<string, ItemValue> | string;
}

export const valueTypes: readonly ValueType[] = [hashType, stringType, listType, setType, sortedSetType, jsonType, streamType];

/** The names a mapping's `types` list may use: the engine's own TYPE names. */
export const typeNames = valueTypes.map((t) => t.type);

const byName = new Map(valueTypes.map((t) => [t.type, t]));

/** The strategy for a TYPE, or undefined for a type the feed does not know (a module's). */
export const valueTypeOf = (type: string): ValueType | undefined => byName.get(type);
