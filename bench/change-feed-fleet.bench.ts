// Change feed on a 3-shard local cluster: one listener against two (separate processes, null sinks),
// for the same burst of HSETs: throughput to an empty journal, extra commands per change on the
// primaries, and each shard's journal at its longest; then the takeover time after a SIGKILL, with
// the default 10 s lease.
import { keyspaceEventsNeeded } from "../domain/change-feed/capture/subscriptions.js";
import { Cluster } from "ioredis";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sleep } from "../domain/runtime/retry.js";
import { scanPrimaries } from "../domain/redis/clients.js";
import { defaultListenerConfig } from "../domain/change-feed/capture/listener.js";
import { shardsOf } from "../domain/change-feed/capture/shards.js";
import { redisCommand, startCluster } from "../local/launcher/services.js";
import { printTable } from "./table.js";

const total = Number(process.env.BENCH_FLEET_HSETS ?? 300_000);
const keys = 30_000;
const dir = mkdtempSync(join(tmpdir(), "ecp-fleet-bench-"));
const cluster = await startCluster({ primaries: 3, config: { "notify-keyspace-events": keyspaceEventsNeeded } });
const client = new Cluster(cluster.startupNodes, { enableAutoPipelining: true });
await client.ping();
const shards = shardsOf(client, defaultListenerConfig.journalKey);
const running: ChildProcess[] = [];

function startListener(name: string) {
  const health = join(dir, `${name}.json`);
  const child = spawn(process.execPath, ["--import", "tsx", "bench/listener-child.ts", cluster.nodes[0].url, name, health], { stdio: "inherit" });
  running.push(child);
  const held = () => (existsSync(health) ? (JSON.parse(readFileSync(health, "utf8")) as { shards: string[] }).shards.length : 0);
  return { child, held };
}
const until = async (what: () => Promise<boolean> | boolean) => {
  while (!(await what())) await sleep(20);
};
const commands = async () => {
  let calls = 0;
  for (const node of cluster.nodes) {
    const info = String(await redisCommand(node.url, "INFO", "commandstats"));
    for (const [, name, count] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
      if (name !== "hset" && name !== "info" && name !== "xlen") calls += Number(count);
  }
  return calls;
};
const journalLengths = () => Promise.all(shards.map((s) => client.xlen(s.journalKey)));

/** The burst, as fast as the client sends it; done when every journal is empty again. */
async function burst() {
  const before = await commands();
  const longest = shards.map(() => 0);
  const started = Date.now();
  let sent = 0;
  const sampling = (async () => {
    while (sent < total || (await journalLengths()).some((n) => n > 0)) {
      (await journalLengths()).forEach((n, i) => (longest[i] = Math.max(longest[i], n)));
      await sleep(50);
    }
  })();
  for (; sent < total;) {
    const batch = [];
    for (let i = 0; i < 10_000 && sent < total; i++, sent++) batch.push(client.hset(`person:${sent % keys}`, "n", String(sent)));
    await Promise.all(batch);
  }
  await sampling;
  const seconds = (Date.now() - started) / 1000;
  return { perSecond: total / seconds, commandsPerChange: ((await commands()) - before) / total, longest };
}

const one = startListener("solo");
await until(() => one.held() === 3);
const alone = await burst();
// The keys go while the listener still runs, so the next listeners' start-up rescans find none.
for await (const { keys: found } of scanPrimaries(client, "person:*")) await Promise.all(found.map((key) => client.unlink(key)));
await until(async () => (await journalLengths()).every((n) => n === 0));
one.child.kill("SIGTERM");
await new Promise((r) => one.child.once("exit", r));

const a = startListener("a");
await until(() => a.held() === 3);
const b = startListener("b");
await until(() => b.held() === 1 && a.held() === 2);
const pair = await burst();
a.child.kill("SIGKILL");
const killed = Date.now();
await until(() => b.held() === 3);
const takeover = (Date.now() - killed) / 1000;

printTable(
  `Change feed on a 3-shard cluster: ${total.toLocaleString("en-US")} HSETs over ${keys.toLocaleString("en-US")} keys, as fast as one client sends them`,
  "one listener",
  [
    { measure: "HSETs to an empty journal, two listeners", ours: pair.perSecond, baseline: alone.perSecond, unit: "HSET/s", higherIsBetter: true },
    {
      measure: "extra commands per change, two listeners",
      ours: pair.commandsPerChange,
      baseline: alone.commandsPerChange,
      unit: "cmd",
      higherIsBetter: false,
    },
  ],
);
console.log(`\neach shard's journal at its longest: one listener ${alone.longest.join(" / ")}, two listeners ${pair.longest.join(" / ")} entries`);
printTable("Change feed takeover: the survivor holds all 3 shards after its peer's SIGKILL", "the lease", [
  { measure: "takeover", ours: takeover, baseline: defaultListenerConfig.leaseMs / 1000, unit: "s", higherIsBetter: false },
]);

running.forEach((c) => c.kill("SIGKILL"));
client.disconnect();
await cluster.stop();
rmSync(dir, { recursive: true, force: true });
