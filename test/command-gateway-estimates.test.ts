import { expect } from "chai";
import { RequestBudget } from "../domain/command-gateway/batch.js";
import type { CommandGateway } from "../domain/command-gateway/gateway.js";
import { respSize } from "../domain/redis/resp-connection.js";
import { redisCommand, startRedis, type RedisNode } from "../local/launcher/services.js";
import { gatewayOn, gatewaySettings } from "./harness/command-gateway.js";
import { random } from "./harness/workload.js";

/** Elements of a reply, nested arrays flattened. */
const elements = (reply: unknown): number => (Array.isArray(reply) ? reply.reduce((n: number, r) => n + elements(r), 0) : reply === null ? 0 : 1);

/** Microseconds of Redis time one charged element may cost (the budget's 100,000 elements: 100 ms), and the factor the real time may pass it by. */
const microsPerElement = 1;
const timeFactor = 2;

/** Redis's own time for `command` since the last CONFIG RESETSTAT (INFO commandstats usec). */
async function usecOf(url: string, command: string): Promise<number> {
  const stats = String(await redisCommand(url, "INFO", "commandstats"));
  return Number(new RegExp(`cmdstat_${command.toLowerCase()}:calls=\\d+,usec=(\\d+)`).exec(stats)?.[1] ?? 0);
}

/** The request templates: each, what Redis really did (reply elements, or the destination's size for a store), and the factor the estimate may be below it. */
const templates: { args: (k: string[]) => string[]; real: (reply: unknown, url: string) => Promise<number>; factor: number }[] = [
  { args: ([l]) => ["LRANGE", l, "0", "-1"], real: async (r) => elements(r), factor: 1 },
  { args: ([, s]) => ["SMEMBERS", s], real: async (r) => elements(r), factor: 1 },
  // A hash's reply names each field and its value: two elements per field the estimate counts once.
  { args: ([, , , h]) => ["HGETALL", h], real: async (r) => elements(r), factor: 2 },
  { args: ([, , z]) => ["ZRANGE", z, "0", "-1"], real: async (r) => elements(r), factor: 1 },
  { args: ([, s, , , s2]) => ["SUNION", s, s2], real: async (r) => elements(r), factor: 1 },
  { args: ([, s, , , s2]) => ["SINTER", s, s2], real: async (r) => elements(r), factor: 1 },
  { args: ([, s, z]) => ["ZUNION", "2", s, z], real: async (r) => elements(r), factor: 1 },
  { args: ([, s, , , s2]) => ["SUNIONSTORE", "dst", s, s2], real: async (_r, url) => Number(await redisCommand(url, "SCARD", "dst")), factor: 1 },
  { args: ([, s, z]) => ["ZUNIONSTORE", "zdst", "2", s, z], real: async (_r, url) => Number(await redisCommand(url, "ZCARD", "zdst")), factor: 1 },
  { args: ([l]) => ["SORT", l, "ALPHA"], real: async (r) => elements(r), factor: 1 },
];

describe("the pre-flight estimate against what Redis really did: random requests over random data, the estimate never below the real work by more than its stated factor", function () {
  this.timeout(120_000);
  let node: RedisNode;
  let gateway: CommandGateway;
  let close: () => void;

  before(async () => {
    node = await startRedis();
    const on = await gatewayOn(node.url, gatewaySettings({ maxReplyBytes: 64 << 20 }));
    gateway = on.gateway;
    close = () => on.connection.close();
  });
  after(async () => {
    close();
    await node.stop();
  });

  it("200 requests over 20 seeded data sets: reply elements (or a store's result) never exceed the work charged, times the factor; Redis's own time (commandstats usec) stays within the work's; a string's reply bytes within its sized bytes; COPY's charge is its real memory", async () => {
    const seed = Number(process.env.ESTIMATE_SEED ?? 20261206);
    const next = random(seed);
    const size = () => Math.floor(next() * 2_000);
    let checked = 0;
    const time = { usec: 0, allowed: 0 };
    for (let round = 0; round < 20; round++) {
      await redisCommand(node.url, "FLUSHALL");
      const keys = ["l", "s", "z", "h", "s2"];
      const fill = async (command: string, key: string, member: (i: number) => string[]) => {
        const n = size();
        for (let start = 0; start < n; start += 1_000) {
          const chunk = Array.from({ length: Math.min(1_000, n - start) }, (_, i) => member(start + i)).flat();
          await redisCommand(node.url, command, key, ...chunk);
        }
      };
      await fill("RPUSH", "l", (i) => [`e${Math.floor(next() * 10_000)}-${i}`]);
      await fill("SADD", "s", (i) => [`m${Math.floor(next() * 3_000)}-${i % 7}`]);
      await fill("ZADD", "z", (i) => [String(Math.floor(next() * 100)), `m${Math.floor(next() * 3_000)}-${i % 7}`]);
      await fill("HSET", "h", (i) => [`f${i}`, "v".repeat(1 + Math.floor(next() * 20))]);
      await fill("SADD", "s2", (i) => [`m${Math.floor(next() * 3_000)}-${i % 5}`]);
      await redisCommand(node.url, "SET", "str", "b".repeat(size() * 100));
      for (let i = 0; i < 10; i++) {
        const template = templates[Math.floor(next() * templates.length)];
        const budget = new RequestBudget(gateway.settings);
        const args = template.args(keys);
        await redisCommand(node.url, "CONFIG", "RESETSTAT");
        const [result] = await gateway.run([args], { access: "write", transaction: false, budget }).catch((error: Error) => {
          // Refused before anything ran: the estimate was over the bound, which is never an under-estimate.
          expect(error.message, args.join(" ")).to.match(/is not allowed/);
          return [undefined];
        });
        if (!result) continue;
        const charged = gateway.settings.maxWorkElements - budget.workElements;
        const real = await template.real(result.reply.ok ? result.reply.value : null, node.url);
        expect(real, `${args.join(" ")} (seed ${seed}, round ${round}): ${real} real against ${charged} charged`).to.be.at.most(charged * template.factor);
        // Time summed over the run: one request preempted on a busy machine is noise, a rule that under-charges is not.
        time.usec += await usecOf(node.url, args[0]);
        time.allowed += charged * microsPerElement + 100;
        checked++;
      }
      // Strings read whole by MGET: their reply bytes are what was sized before it ran.
      const sized = new RequestBudget(gateway.settings);
      const [read] = await gateway.run([["MGET", "str"]], { access: "read", transaction: false, budget: sized });
      expect(respSize(read.reply.ok ? (read.reply.value as Buffer[]) : null), `MGET str (round ${round})`).to.be.at.most(sized.sizedReplyBytes);
      // COPY: the charge is the source's exact memory, and the copy grows Redis by about that.
      const before = Number(/used_memory:(\d+)/.exec(String(await redisCommand(node.url, "INFO", "memory")))![1]);
      const budget = new RequestBudget(gateway.settings);
      await gateway.run([["COPY", "h", "hcopy", "REPLACE"]], { access: "write", transaction: false, budget }).catch(() => undefined);
      const copied = gateway.settings.maxCopyBytes - budget.copyBytes;
      const after = Number(/used_memory:(\d+)/.exec(String(await redisCommand(node.url, "INFO", "memory")))![1]);
      if (copied > 0) expect(after - before, `COPY of h (round ${round})`).to.be.at.most(copied * 1.5 + 64 * 1024);
    }
    console.log(
      `      ${checked} requests compared (seed ${seed}; ESTIMATE_SEED repeats it); Redis time ${time.usec} us against ${time.allowed} us charged (${((100 * time.usec) / time.allowed).toFixed(0)}%)`,
    );
    expect(checked).to.be.above(100);
    expect(time.usec, `Redis's time against ${microsPerElement} us per element charged, times ${timeFactor}`).to.be.at.most(time.allowed * timeFactor);
  });
});
