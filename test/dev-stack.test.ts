import { expect } from "chai";
import { exec, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Endpoints } from "../local/dev/endpoints.js";
import { freePortRange } from "../local/launcher/services.js";
import { eventually } from "./harness/eventually.js";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { localS3 } from "../local/aws/aws-clients.js";

const sh = promisify(exec);

describe("make dev: stable ports and keys across restarts, and the examples it prints work as pasted", function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), "ecp-dev-"));
  let base: number;
  before(async () => (base = await freePortRange(9)));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts local/dev/main.ts and returns its endpoints, its printed output and a stop. */
  async function startDev(): Promise<{ endpoints: Endpoints; output: () => string; stop: () => Promise<void> }> {
    const dev: ChildProcess = spawn(process.execPath, ["--import", "tsx", "local/dev/main.ts"], {
      env: { ...process.env, DEV_STATE_DIR: dir, DEV_PORT_BASE: String(base), DEV_SAMPLE_USERS: "100" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    dev.stdout!.on("data", (d) => (output += d));
    const exited = new Promise((resolve) => dev.once("exit", resolve));
    await eventually(
      "make dev to print its examples",
      async () => output.includes("Ctrl-C stops every service"),
      (ready) => ready,
      90_000,
      200,
    );
    const endpoints = JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8")) as Endpoints;
    return {
      endpoints,
      output: () => output,
      stop: async () => {
        dev.kill("SIGINT");
        await exited;
      },
    };
  }

  it("prints one example per data path under the endpoint table, each works as pasted, and a restart keeps ports and keys", async () => {
    const first = await startDev();
    let endpoints: Endpoints;
    try {
      endpoints = first.endpoints;
      expect(endpoints.redisUrl).to.equal(`redis://127.0.0.1:${base}`);
      expect(endpoints.graphqlUrl).to.equal(`http://127.0.0.1:${base + 4}/graphql`);
      expect(endpoints.restUrl).to.equal(`http://127.0.0.1:${base + 5}`);
      const printed = first.output().slice(first.output().indexOf("Try each data path:"));
      const example = (path: string) => {
        const line = printed.split("\n").find((l) => l.trimStart().startsWith(`${path}  `));
        expect(line, path).to.be.a("string");
        return line!.trim().slice(path.length).trim();
      };
      // As pasted into a terminal: not inside `make test` (a sub-make would print "Entering directory" lines).
      const env = Object.fromEntries(
        Object.entries({ ...process.env, DEV_STATE_DIR: dir }).filter(([name]) => !["MAKELEVEL", "MAKEFLAGS", "MFLAGS"].includes(name)),
      );
      const run = async (path: string) => (await sh(example(path), { cwd: process.cwd(), env })).stdout;
      /** An example that writes, waits a second and reads: its write as pasted, then its read until the item is there (no race with the second). */
      const item = async (path: string) => {
        const [write, read] = example(path).split(" && sleep 1 && ");
        await sh(write, { env });
        return eventually(
          `the item of the ${path} example`,
          async () => JSON.parse((await sh(read)).stdout) as { Item?: Record<string, { S?: string }> },
          (answer) => answer.Item !== undefined,
          20_000,
          100,
        );
      };

      expect((await item("change feed")).Item?.firstName?.S).to.equal("Ada");
      // The docs' run-time mapping: its table is made when it loads, and order:1 arrives.
      expect((await item("run-time mapping")).Item?.total?.S).to.equal("3");
      // The same hash as a row in PostgreSQL and in MariaDB.
      const [sqlWrite, sqlRead] = example("SQL rows").split(" && sleep 1 && ");
      await sh(sqlWrite, { env });
      const rows = await eventually(
        "the SQL rows",
        async () => (await sh(sqlRead, { env })).stdout,
        (out) => out.split("Hopper").length === 3,
        20_000,
        200,
      );
      expect(rows)
        .to.match(/person2 \| Grace\s+\| Hopper/)
        .and.match(/person2\tGrace\tHopper/);
      // reconcile as printed: the people mapping agrees with its table (exit 0) and says so in JSON.
      const reconciled = JSON.parse(await run("reconcile")) as { missing: unknown[]; stale: unknown[] };
      expect([reconciled.missing.length, reconciled.stale.length]).to.deep.equal([0, 0]);
      expect(JSON.parse(await run("command API"))).to.deep.equal({
        data: {
          run: [
            { type: "STATUS", value: '"OK"' },
            { type: "STRING", value: '"hello"' },
          ],
        },
      });
      expect(JSON.parse(await run("REST (Upstash)"))).to.deep.equal({ result: "hello" });
      expect(JSON.parse(await run("key prefix"))).to.deep.equal({ result: "OK" });
      // The tenant token reaches nothing outside its prefix.
      const outside = await sh(`curl -s ${endpoints.restUrl}/get/greeting -H 'Authorization: Bearer ${endpoints.tenantRestToken}'`);
      expect((JSON.parse(outside.stdout) as { error: string }).error).to.equal(
        "ERR command 'get' is not allowed: key 'greeting' is outside your key prefix 'tenant-a:'",
      );
      expect(await run("feature store")).to.match(/^The number 1 recommended movie for user 1 is /);
      expect(example("console")).to.equal(`open ${endpoints.consoleUrl} in a browser`);
      expect(example("replica DNS")).to.equal(`make failover && cat ${endpoints.zoneFile}`);
      // The developer's own file replaces the sample...
      const s3 = localS3(endpoints.s3Endpoint);
      const mine = Array.from({ length: 150 }, (_, i) => `{"userId":${i + 1},"movieId":[4242]}`).join("\n");
      await s3.send(new PutObjectCommand({ Bucket: endpoints.featureBucket, Key: "mine.jsonl", Body: Buffer.from(mine) }));
      s3.destroy();
      await eventually(
        "the uploaded file to be served",
        async () => (await fetch(`${endpoints.featureUrl}/recommendations?userId=1&rank=1`)).text(),
        (t) => t.endsWith(" is 4242"),
        20_000,
        100,
      );
    } finally {
      await first.stop();
    }

    const second = await startDev();
    try {
      for (const key of [
        "redisUrl",
        "graphqlUrl",
        "consoleUrl",
        "restUrl",
        "featureUrl",
        "dynamodbEndpoint",
        "s3Endpoint",
        "lambdaEndpoint",
        "apiKey",
        "restToken",
        "restReadOnlyToken",
        "tenantApiKey",
        "tenantRestToken",
      ]) {
        expect(second.endpoints[key], key).to.equal(endpoints[key]);
      }
      // ...and a restart does not load the sample over it.
      expect(await (await fetch(`${second.endpoints.featureUrl}/recommendations?userId=1&rank=1`)).text()).to.equal(
        "The number 1 recommended movie for user 1 is 4242",
      );
    } finally {
      await second.stop();
    }
  });
});
