import { expect } from "chai";
import { ActiveMappings } from "../../../../../domain/change-feed/capture/active-mappings.js";
import { defaultListenerConfig } from "../../../../../domain/change-feed/capture/listener.js";
import type { CompiledMapping } from "../../../../../domain/change-feed/mappings.js";
import { memoryLogger } from "../../../../../domain/runtime/log.js";
import { fakeNode } from "./fake-node.js";

const mapping = (name: string, table = name) => JSON.stringify({ name, pattern: `${name}:*`, table });

describe("domain/change-feed/capture/active-mappings: the mappings in force, their destinations checked, refusals published", () => {
  it("refuses a mapping whose destination cannot take writes, publishes the refusals in a hash (one left by an earlier run goes), and reports what changed", async () => {
    const redis = fakeNode();
    await redis.client.hset("changefeed:mappings", "people", mapping("people"), "orders", mapping("orders", "missing"), "broken", "{");
    // A refusal left in the hash by an earlier run, for a mapping that is fine now.
    await redis.client.hset("changefeed:mappings-refused", "old", 'mapping "old": gone since');
    const changed: string[][] = [];
    const active = new ActiveMappings(
      redis.client,
      defaultListenerConfig,
      async (m) => (m.table === "missing" ? 'table "missing" does not exist' : undefined),
      memoryLogger(),
      { changed: (ms: CompiledMapping[]) => changed.push(ms.map((m) => m.name)), error: () => {} },
    );
    await active.reload();
    expect(active.mappings.map((m) => m.name)).to.deep.equal(["people"]);
    const refused = Object.fromEntries(redis.hashes.get("changefeed:mappings-refused") ?? []);
    expect(Object.keys(refused).sort()).to.deep.equal(["broken", "orders"]);
    expect(refused.orders).to.equal('mapping "orders": table "missing" does not exist');
    expect(refused.broken).to.match(/^mapping "broken": not JSON \(/);
    expect(changed).to.deep.equal([["people"]]);
    // Fixed entries leave the refused hash; the newly accepted mapping is reported as changed.
    await redis.client.hset("changefeed:mappings", "orders", mapping("orders"), "broken", mapping("broken"));
    await active.reload();
    expect(active.mappings.map((m) => m.name).sort()).to.deep.equal(["broken", "orders", "people"]);
    expect(redis.hashes.get("changefeed:mappings-refused")?.size ?? 0).to.equal(0);
    expect(changed[1].sort()).to.deep.equal(["broken", "orders"]);
  });

  it("writes to the hash coalesce: while one reload runs, any number of writes cause at most one more", async () => {
    const redis = fakeNode();
    await redis.client.hset("changefeed:mappings", "people", mapping("people"));
    let checks = 0;
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const active = new ActiveMappings(
      redis.client,
      defaultListenerConfig,
      async () => {
        checks++;
        await gate;
        return undefined;
      },
      memoryLogger(),
      { changed: () => {}, error: () => {} },
    );
    for (let i = 0; i < 50; i++) active.schedule(() => true);
    release();
    while (active.mappings.length === 0 || checks < 2) await new Promise((resolve) => setImmediate(resolve));
    // Let any further reload start, if one were (wrongly) queued.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(checks).to.equal(2);
  });
});
