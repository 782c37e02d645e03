import { expect } from "chai";
import { ChangeFeedListener, defaultListenerConfig } from "../../../../../domain/change-feed/capture/listener.js";
import { parseMapping } from "../../../../../domain/change-feed/mappings.js";
import type { ChangeSink } from "../../../../../domain/change-feed/sinks.js";
import { memoryLogger } from "../../../../../domain/runtime/log.js";
import { fakeNode } from "./fake-node.js";

const config = { ...defaultListenerConfig, consumer: "host-a", rescanDeletes: false, maxLatencyMs: 5, probeTimeoutMs: 200 };
const sink: ChangeSink = { write: async () => ({ written: 0, skipped: 0, retried: 0, rejected: [] }) };
const people = parseMapping({ name: "people", pattern: "person:*", table: "people" });

/** Resolves once `done()` holds, checked after each turn of the event loop (state, never a clock). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

describe("domain/change-feed/capture/listener: notifications in, hints journaled, mappings followed", () => {
  it("starts with the mapping file in the hash, hears its probe, and journals only hints of mapped keys that may have changed", async () => {
    const redis = fakeNode();
    const listener = new ChangeFeedListener(redis.client, redis.connect, sink, {}, config, memoryLogger());
    await listener.start([people]);
    expect([...(redis.hashes.get("changefeed:mappings")?.keys() ?? [])]).to.deep.equal(["people"]);
    expect(listener.health()).to.include({ status: "running", notificationsOk: true });
    expect(listener.health().shards).to.deep.equal(["0"]);
    redis.notify("hset", "person:1");
    redis.notify("expire", "person:2"); // a TTL set: the state cannot differ
    redis.notify("hset", "order:1"); // no mapping covers it
    redis.notify("del", "changefeed:journal"); // the listener's own keys
    await until(() => redis.appends.length > 0);
    expect(redis.appends).to.deep.equal([{ by: "host-a", keys: ["person:1"] }]);
    expect(listener.counters.seen).to.equal(1);
    await listener.stop();
    expect(listener.health().status).to.equal("stopped");
  });

  it("a write to the mappings hash reloads the mappings; a bad entry is refused with its reason, the good ones kept", async () => {
    const redis = fakeNode();
    const log = memoryLogger();
    const listener = new ChangeFeedListener(redis.client, redis.connect, sink, {}, config, log);
    await listener.start([people]);
    await redis.client.hset("changefeed:mappings", "orders", JSON.stringify({ name: "orders", pattern: "order:*", table: "orders" }), "broken", "{");
    await until(() => listener.activeMappings.length === 2);
    expect(listener.activeMappings.map((m) => m.name).sort()).to.deep.equal(["orders", "people"]);
    expect(log.entries.find((e) => e.message === "mapping refused")).to.include({ mapping: "broken" });
    // The refusal is where redis-cli reads it and in the health report; fixing the entry clears it.
    await until(() => redis.hashes.get("changefeed:mappings-refused")?.has("broken") === true);
    expect(redis.hashes.get("changefeed:mappings-refused")?.get("broken")).to.match(/^mapping "broken": /);
    expect(Object.keys(listener.health().refusedMappings)).to.deep.equal(["broken"]);
    await redis.client.hset("changefeed:mappings", "broken", JSON.stringify({ name: "broken", pattern: "thing:*", table: "things" }));
    await until(() => listener.activeMappings.length === 3);
    expect(redis.hashes.get("changefeed:mappings-refused")?.size ?? 0).to.equal(0);
    await listener.stop();
  });

  it("a mapping whose destination cannot take writes is refused when it loads, with the sink's reason", async () => {
    const redis = fakeNode();
    const checking: ChangeSink = { ...sink, check: async (m) => (m.table === "missing" ? `table "missing" does not exist` : undefined) };
    const listener = new ChangeFeedListener(redis.client, redis.connect, checking, {}, config, memoryLogger());
    await listener.start([people]);
    await redis.client.hset("changefeed:mappings", "orders", JSON.stringify({ name: "orders", pattern: "order:*", table: "missing" }));
    await until(() => redis.hashes.get("changefeed:mappings-refused")?.has("orders") === true);
    expect(redis.hashes.get("changefeed:mappings-refused")?.get("orders")).to.equal('mapping "orders": table "missing" does not exist');
    expect(listener.activeMappings.map((m) => m.name)).to.deep.equal(["people"]);
    await listener.stop();
  });

  it("a refused mapping is checked again each metrics interval: once its table exists it loads, with no write to the hash", async () => {
    const redis = fakeNode();
    let tableExists = false;
    const checking: ChangeSink = { ...sink, check: async (m) => (m.table !== "orders" || tableExists ? undefined : `table "orders" does not exist`) };
    const listener = new ChangeFeedListener(redis.client, redis.connect, checking, {}, { ...config, metricsIntervalMs: 20 }, memoryLogger());
    await listener.start([people, parseMapping({ name: "orders", pattern: "order:*", table: "orders" })]);
    expect(listener.activeMappings.map((m) => m.name)).to.deep.equal(["people"]);
    tableExists = true;
    await until(() => listener.activeMappings.length === 2);
    expect(redis.hashes.get("changefeed:mappings-refused")?.size ?? 0).to.equal(0);
    await listener.stop();
  });
});
