// What a journal entry holds: who journaled it and the keys hinted in one tick, each with where its
// hint came from; and how entries are grouped into deliveries.

/**
 * An entry: the keys hinted in one tick, as fields `by <consumer> k <key> r <key> ...` (null once
 * removed); `k` a key a notification named, `r` one a rescan found.
 */
export type Entry = [id: string, fields: string[] | null];

/** Where a hint came from: a keyspace notification, or a rescan. */
export type HintOrigin = "k" | "r";

/** At most this many keys per entry, so a delivery's size and a retry's scope stay bounded. */
export const keysPerEntry = 50;

export const keysOf = (fields: string[] | null): string[] =>
  fields ? fields.filter((_, i) => i % 2 === 1 && (fields[i - 1] === "k" || fields[i - 1] === "r")) : [];

/** Consecutive entries in groups of at most `maxKeys` keys (an entry is never split). */
export function chunksOf(entries: Entry[], maxKeys: number): Entry[][] {
  const chunks: Entry[][] = [];
  let keys = maxKeys;
  for (const entry of entries) {
    const count = keysOf(entry[1]).length;
    if (keys + count > maxKeys) {
      chunks.push([]);
      keys = 0;
    }
    chunks[chunks.length - 1].push(entry);
    keys += count;
  }
  return chunks;
}

/** Orders stream entry ids (`<ms>-<seq>`). */
export function compareEntryIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split("-").map(Number);
  const [bMs, bSeq] = b.split("-").map(Number);
  return aMs - bMs || aSeq - bSeq;
}
