// Streams are refused with a reason: a stream is an append-only log whose entries are events, not a
// value; copying it whole on every XADD costs its length per change and an item holds 400 KB. Read a
// stream with a consumer group (XREADGROUP) where its entries are wanted as rows.
import type { ValueType } from "./value-type.js";

const refusal = "a stream is a log of events, not a value: the change feed does not copy streams (read them with a consumer group)";

export const streamType: ValueType = { type: "stream", refusal, attributes: () => refusal };
