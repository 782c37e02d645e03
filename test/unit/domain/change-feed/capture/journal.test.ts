import { expect } from "chai";
import type { Redis } from "ioredis";
import { Journal, type JournalEvents } from "../../../../../domain/change-feed/capture/journal.js";
import { keysPerEntry } from "../../../../../domain/change-feed/capture/journal-entries.js";

const config = {
  journalKey: "changefeed:journal:{0}",
  group: "g",
  consumer: "host-1",
  batchSize: 100,
  maxLatencyMs: 5,
  deliveriesInFlight: 2,
  claimIdleMs: 1_000,
};
const events: JournalEvents = { coalesced: () => {}, retryDelay: () => 0, error: () => {}, lost: () => {} };

/** A client that records each XADD; `appended(n)` resolves once n have arrived. */
function recording() {
  const appends: string[][] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  const client = {
    xadd: async (_key: string, _id: string, ...fields: string[]) => {
      appends.push(fields);
      for (const w of waiting) if (appends.length >= w.n) w.resolve();
      return "1-0";
    },
  } as unknown as Redis;
  const appended = (n: number) => new Promise<void>((resolve) => (appends.length >= n ? resolve() : waiting.push({ n, resolve })));
  return { client, appends, appended };
}

const journalOn = (client: Redis) =>
  new Journal(
    client,
    () => client,
    config,
    async () => ({ failed: new Set() }),
    events,
  );

describe("domain/change-feed/capture/journal: hints made durable, one XADD per tick", () => {
  it("a tick's hints are collapsed per key, with who journaled them and where each came from (a notification beats a rescan)", async () => {
    const { client, appends, appended } = recording();
    const journal = journalOn(client);
    journal.append(["person:1", "person:2"], "r");
    journal.append(["person:1", "person:1"]);
    expect(appends).to.deep.equal([]); // nothing before the tick ends
    await appended(1);
    expect(appends).to.deep.equal([["by", "host-1", "k", "person:1", "r", "person:2"]]);
  });

  it("a tick with more keys than an entry holds is split into entries of at most keysPerEntry keys", async () => {
    const { client, appends, appended } = recording();
    const journal = journalOn(client);
    const keys = Array.from({ length: keysPerEntry + 3 }, (_, i) => `person:${i}`);
    journal.append(keys);
    await appended(2);
    expect(appends.map((fields) => (fields.length - 2) / 2)).to.deep.equal([keysPerEntry, 3]);
  });

  it("hints not journaled when the journal stops are left to the shard's next holder", async () => {
    const { client, appends } = recording();
    const journal = journalOn(client);
    journal.append(["person:1"]);
    journal.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(appends).to.deep.equal([]);
  });
});
