import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootScript, listenerPaths, listenerUnit, watchdogScript, watchdogTimer, watchdogUnit, type ListenerPaths } from "../infra/listener-boot.js";

const settings = { bucket: "ecp-listener-123456789012", region: "us-east-1", artifactVersions: "v1 v2 v3", nodeMajor: 22 };

describe("listener boot script, systemd units and watchdog (generated, then checked and run)", function () {
  this.timeout(30_000);
  let dir: string;
  let paths: ListenerPaths;
  /** A `systemctl` on PATH that records its arguments instead of touching the machine. */
  let fakeBin: string;
  const calls = () => readFileSync(join(dir, "systemctl.calls"), "utf8").trim();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ecp-boot-"));
    paths = { installDir: join(dir, "opt"), stateDir: join(dir, "state") };
    mkdirSync(paths.installDir, { recursive: true });
    mkdirSync(paths.stateDir, { recursive: true });
    fakeBin = join(dir, "bin");
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, "systemctl"), `#!/bin/bash\necho "$*" >> "${join(dir, "systemctl.calls")}"\n`);
    chmodSync(join(fakeBin, "systemctl"), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("the boot script and the watchdog pass shellcheck", () => {
    writeFileSync(join(dir, "boot.sh"), bootScript(settings));
    writeFileSync(join(dir, "watchdog.sh"), watchdogScript(listenerPaths));
    const result = spawnSync("shellcheck", ["--severity=style", join(dir, "boot.sh"), join(dir, "watchdog.sh")], { encoding: "utf8" });
    expect(result.error, "shellcheck is installed by make test").to.equal(undefined);
    expect(result.stdout + result.stderr).to.equal("");
    expect(result.status).to.equal(0);
  });

  it("the units pass systemd-analyze verify; no % specifier reaches a command line; the service never stops restarting", () => {
    writeFileSync(join(paths.installDir, "watchdog.sh"), watchdogScript(paths));
    chmodSync(join(paths.installDir, "watchdog.sh"), 0o755);
    symlinkSync(process.execPath, join(paths.installDir, "node"));
    const units = { "changefeed.service": listenerUnit(paths), "changefeed-health.service": watchdogUnit(paths), "changefeed-health.timer": watchdogTimer };
    for (const [name, text] of Object.entries(units)) writeFileSync(join(dir, name), text);
    const result = spawnSync("systemd-analyze", ["verify", "--man=no", ...Object.keys(units).map((n) => join(dir, n))], { encoding: "utf8" });
    expect(result.error, "systemd-analyze is installed by make test").to.equal(undefined);
    expect(result.status, result.stderr).to.equal(0);
    for (const text of Object.values(units)) {
      for (const line of text.split("\n").filter((l) => l.startsWith("ExecStart="))) expect(line.replace(/%%/g, ""), line).to.not.include("%");
    }
    expect(units["changefeed.service"])
      .to.match(/^StartLimitIntervalSec=0$/m)
      .and.match(/^Restart=always$/m);
  });

  describe("the watchdog restarts the listener on a stale or missing health file, and leaves a fresh one alone", () => {
    const health = () => join(paths.stateDir, "health.json");
    const watchdog = () => {
      rmSync(join(dir, "systemctl.calls"), { force: true });
      writeFileSync(join(dir, "systemctl.calls"), "");
      const script = join(dir, "watchdog-run.sh");
      writeFileSync(script, watchdogScript(paths));
      return execFileSync("bash", [script], { env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` }, encoding: "utf8" });
    };

    it("fresh: nothing restarted", () => {
      writeFileSync(health(), "{}");
      expect(watchdog()).to.equal("");
      expect(calls()).to.equal("");
    });
    it("stale (40 s old): restarted", () => {
      writeFileSync(health(), "{}");
      const old = new Date(Date.now() - 40_000);
      utimesSync(health(), old, old);
      expect(watchdog()).to.match(/health file .* is 4\ds old: restarting changefeed.service/);
      expect(calls()).to.equal("restart changefeed.service");
    });
    it("missing: restarted", () => {
      rmSync(health(), { force: true });
      expect(watchdog()).to.match(/is missing: restarting/);
      expect(calls()).to.equal("restart changefeed.service");
    });
  });

  describe("the boot script's own steps", () => {
    /** Runs `body` with the boot script's functions defined (sourced: main does not run). */
    const withBoot = (body: string, env: Record<string, string> = {}) => {
      const script = join(dir, "boot-under-test.sh");
      writeFileSync(script, bootScript(settings, paths));
      return spawnSync("bash", ["-c", `source ${script}\n${body}`], {
        env: { ...process.env, BOOT_LOG: join(dir, "boot.log"), RETRY_DELAY: "0", ...env },
        encoding: "utf8",
      });
    };

    it("retries a failing download with a bounded backoff, logging each attempt, then succeeds", () => {
      const counter = join(dir, "attempts");
      writeFileSync(counter, "0");
      const flaky = `flaky() { local n; n=$(( $(cat ${counter}) + 1 )); echo "$n" > ${counter}; (( n >= 3 )); }`;
      const result = withBoot(`${flaky}\nretry 5 flaky && echo succeeded`);
      expect(result.stdout.trim()).to.equal("succeeded");
      expect(readFileSync(counter, "utf8").trim()).to.equal("3");
      expect(readFileSync(join(dir, "boot.log"), "utf8")).to.match(/attempt 1 of 5 failed: flaky; next in 0s\n.*attempt 2 of 5 failed/);
    });

    it("gives up after the attempts, and a failed step writes boot-failed and exits non-zero", () => {
      expect(withBoot("retry 2 false || echo gave-up").stdout.trim()).to.equal("gave-up");
      const failed = withBoot('fail "download of s3://bucket/listener/listener.zip"');
      expect(failed.status).to.equal(1);
      expect(readFileSync(join(paths.stateDir, "boot-failed"), "utf8")).to.equal("download of s3://bucket/listener/listener.zip\n");
      expect(readFileSync(join(dir, "boot.log"), "utf8")).to.match(/FAILED: download of s3:\/\/bucket\/listener\/listener.zip/);
    });

    it("names its artifacts' versions, so new artifacts make new user data", () => {
      expect(bootScript(settings)).to.contain("Artifacts v1 v2 v3");
      expect(bootScript({ ...settings, artifactVersions: "v1 v2 v4" })).to.not.equal(bootScript(settings));
    });
  });
});
