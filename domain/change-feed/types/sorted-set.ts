// Sorted sets: a `value` attribute holding a list of {member, score} maps in score order (ties by
// member, as ZRANGE orders them). Never a map keyed by score: equal scores would collide.
import { fieldValueOf } from "../item-values.js";
import type { ValueType } from "./value-type.js";

export const sortedSetType: ValueType = {
  type: "zset",
  read: { size: { command: "ZCARD", unit: "elements" }, lua: "redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')" },
  attributes: (value) => {
    const flat = value as Buffer[];
    const scored = [];
    for (let i = 0; i < flat.length; i += 2) scored.push({ member: fieldValueOf(flat[i]), score: flat[i + 1].toString("latin1") });
    return { value: { scored } };
  },
};
