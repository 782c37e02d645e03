import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { Endpoints } from "../local/dev/endpoints.js";
import { failover } from "../local/dev/failover.js";
import { freePortRange, redisCommand } from "../local/launcher/services.js";
import { eventually, sleep } from "./harness/eventually.js";

describe("make dev stops within seconds on Ctrl-C, after a failover, with a node down and a load in flight", function () {
  this.timeout(120_000);

  it("exits 0 within 10 s and removes its endpoints file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ecp-dev-"));
    const port = await freePortRange(7);
    const dev = spawn(process.execPath, ["--import", "tsx", "local/dev/main.ts"], {
      env: { ...process.env, DEV_STATE_DIR: dir, DEV_PORT_BASE: String(port), DEV_SAMPLE_USERS: "100" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => dev.once("exit", resolve));
    const endpointsFile = join(dir, "endpoints.json");
    try {
      await eventually(
        "make dev to start",
        async () => existsSync(endpointsFile),
        (e) => e,
        60_000,
        200,
      );
      const endpoints = JSON.parse(readFileSync(endpointsFile, "utf8")) as Endpoints;
      expect(endpoints.redisUrl).to.equal(`redis://127.0.0.1:${port}`);
      const result = await failover(endpoints.nodeUrls);
      // A replica goes down for good.
      const victim = endpoints.nodeUrls.find((u) => u !== result.newPrimary)!;
      await redisCommand(victim, "SHUTDOWN", "NOSAVE").catch(() => undefined);
      // A load in flight through the primary endpoint.
      const client = new Redis(endpoints.redisUrl, { maxRetriesPerRequest: 1 });
      client.on("error", () => {});
      let loading = true;
      const load = (async () => {
        for (let i = 0; loading; i++) await client.hset(`person:${i % 500}`, "n", String(i)).catch(() => sleep(10));
      })();
      await sleep(1_000);
      const started = Date.now();
      dev.kill("SIGINT");
      const code = await exited;
      const seconds = (Date.now() - started) / 1000;
      console.log(`      stopped in ${seconds.toFixed(2)} s (exit ${code})`);
      loading = false;
      client.disconnect();
      await Promise.race([load, sleep(2_000)]);
      expect(code).to.equal(0);
      expect(seconds).to.be.below(10);
      expect(existsSync(endpointsFile)).to.equal(false);
    } finally {
      if (dev.exitCode === null) dev.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
