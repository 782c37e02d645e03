import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { Endpoints } from "../local/dev/endpoints.js";
import { failover } from "../local/dev/failover.js";
import { freePortRange, redisCommand } from "../local/launcher/services.js";
import { eventually, sleep } from "./harness/eventually.js";

describe("make dev stops within seconds on Ctrl-C, after a failover, with a node down and a load in flight", function () {
  this.timeout(120_000);

  it("one SIGINT to make dev's process group (a terminal's Ctrl-C) is one graceful stop: no endpoints or pid file left", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ecp-dev-"));
    const port = await freePortRange(9);
    // `make dev` itself, leading its own process group as a terminal's foreground job does.
    const dev = spawn("make", ["--no-print-directory", "dev"], {
      env: { ...process.env, DEV_STATE_DIR: dir, DEV_PORT_BASE: String(port), DEV_SAMPLE_USERS: "100" },
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    let output = "";
    dev.stdout!.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => dev.once("exit", resolve));
    try {
      await eventually(
        "make dev to start",
        async () => output.includes("Ctrl-C stops every service"),
        (ready) => ready,
        60_000,
        200,
      );
      expect(existsSync(join(dir, "dev.pid"))).to.equal(true);
      process.kill(-dev.pid!, "SIGINT");
      await exited;
      // make itself dies of the SIGINT, as any make does; the stack stopped gracefully once.
      expect(output).to.include("SIGINT: stopping the local stack");
      expect(output).to.include("The local stack stopped.");
      expect(output).not.to.include("again");
      expect(existsSync(join(dir, "endpoints.json"))).to.equal(false);
      expect(existsSync(join(dir, "dev.pid"))).to.equal(false);
    } finally {
      if (dev.exitCode === null && dev.signalCode === null) process.kill(-dev.pid!, "SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a second make dev says it is running before building anything and exits non-zero; make failover with none running says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ecp-dev-"));
    const sleeper = spawn("sleep", ["60"]);
    try {
      writeFileSync(join(dir, "dev.pid"), String(sleeper.pid));
      const second = spawnSync("make", ["--no-print-directory", "dev"], { env: { ...process.env, DEV_STATE_DIR: dir }, encoding: "utf8" });
      expect(second.stderr).to.include(`make dev is already running (pid ${sleeper.pid}); stop it with Ctrl-C in its terminal first.`);
      expect(second.stdout + second.stderr).not.to.match(/esbuild|tsx tools\/build/);
      expect(second.status).to.not.equal(0);
      sleeper.kill();
      await new Promise((resolve) => sleeper.once("exit", resolve));
      // A pid file left by a stack that was killed names no live process.
      const failover = spawnSync("make", ["--no-print-directory", "failover"], { env: { ...process.env, DEV_STATE_DIR: dir }, encoding: "utf8" });
      expect(failover.stdout).to.include("make dev is not running: start it in another terminal first.");
      expect(failover.stderr).not.to.include("ioredis");
    } finally {
      sleeper.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 0 within 10 s and removes its endpoints file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ecp-dev-"));
    const port = await freePortRange(9);
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
