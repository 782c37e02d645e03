import { expect } from "chai";
import { Upload } from "@aws-sdk/lib-storage";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Redis } from "ioredis";
import type { Browser, Page } from "playwright-core";
import { localS3 } from "../local/aws/aws-clients.js";
import { devPorts, type Endpoints } from "../local/dev/endpoints.js";
import { freePortRange } from "../local/launcher/services.js";
import { startLocalStack, type LocalStack } from "../local/dev/stack.js";
import { generateRecommendations } from "../local/dev/sample-recommendations.js";
import { launchChromium } from "./harness/browser.js";
import { eventually } from "./harness/eventually.js";

interface ListenerHealth {
  status: string;
  lastError: string | null;
  mappings: string[];
  counters: { written: number; skipped: number; deadLettered: number };
}

/** local/mappings.json's first (DynamoDB) mapping, in a file of its own under `dir`. */
function dynamoMappingFile(dir: string): string {
  const file = join(dir, "mappings.json");
  const { mappings } = JSON.parse(readFileSync("local/mappings.json", "utf8")) as { mappings: unknown[] };
  writeFileSync(file, JSON.stringify({ mappings: mappings.slice(0, 1) }));
  return file;
}

describe("the local status page and /metrics under load: they show what the listener and the loader did", function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), "ecp-status-"));
  const burst = 3_000;
  const loadedUsers = 5_000;
  let stack: LocalStack;
  let endpoints: Endpoints;
  let browser: Browser;
  let page: Page;
  const health = () => JSON.parse(readFileSync(join(dir, "listener-health.json"), "utf8")) as ListenerHealth;
  /** A figure on the page: the latest value shown, and the running total it carries. */
  const figure = async (path: string, metric: string) => {
    const element = page.locator(`#path-${path} [data-metric="${metric}"]`);
    return { shown: (await element.textContent()) ?? "", total: Number(await element.getAttribute("data-total")) };
  };

  before(async () => {
    process.env.LOAD_PROGRESS_EVERY = "1000";
    stack = await startLocalStack({
      stateDir: dir,
      ports: devPorts(await freePortRange(9)),
      replicas: 1,
      region: "us-east-1",
      keeperScheduleMs: 1_000,
      // The default DynamoDB mapping alone: the figures below count one write per change.
      mappingFile: dynamoMappingFile(dir),
      sampleUsers: 100,
    });
    endpoints = stack.endpoints;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });
  after(async () => {
    delete process.env.LOAD_PROGRESS_EVERY;
    await browser?.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a change-feed burst beside a feature load: the page's totals equal the listener's health file and the load's progress is drawn as it goes", async () => {
    await page.goto(endpoints.statusUrl);
    const redis = new Redis(endpoints.redisUrl);
    const s3 = localS3(endpoints.s3Endpoint);
    try {
      const body = Readable.from(generateRecommendations({ users: loadedUsers, ranks: 10, format: "table" }));
      const upload = new Upload({ client: s3, params: { Bucket: endpoints.featureBucket, Key: "nightly.json", Body: body } }).done();
      for (let start = 0; start < burst; start += 500) {
        const pipeline = redis.pipeline();
        for (let i = start; i < start + 500; i++) pipeline.hset(`person:${i}`, "firstName", `p${i}`, "rank", String(i));
        await pipeline.exec();
      }
      await upload;
      await page.screenshot({ path: "test-output/status-page-under-load.png", fullPage: true });

      // Quiet: every change confirmed, and the page has caught up with the file.
      const confirmed = await eventually(
        "the page's confirmed items to equal the health file's",
        async () => {
          const file = health();
          const items = await figure("change-feed", "Items");
          return { file: file.counters.written + file.counters.skipped, page: items.total };
        },
        ({ file, page: shown }) => file >= burst && shown === file,
        120_000,
        200,
      );
      expect(confirmed.page).to.be.at.least(burst);
      expect((await figure("change-feed", "JournalLength")).shown).to.equal("0");
      expect((await figure("change-feed", "LagP99")).shown).to.match(/^[\d,.]+ ms$/);
      expect(parseFloat((await figure("change-feed", "LagP99")).shown.replace(/,/g, ""))).to.be.above(0);
      expect((await figure("change-feed", "DeadLetters")).total).to.equal(health().counters.deadLettered);

      // The health panel is the file as the watchdog reads it.
      await eventually(
        "the health panel to show the file's counters",
        async () => JSON.parse((await page.locator("#listener").textContent()) ?? "{}") as ListenerHealth,
        (shown) => JSON.stringify(shown.counters) === JSON.stringify(health().counters),
        30_000,
        200,
      );
      const panel = JSON.parse((await page.locator("#listener").textContent()) ?? "{}") as ListenerHealth;
      // Nothing failed on the way, the listener's engine user can do all it needs (its journal's confirm once could not).
      expect(panel).to.deep.include({ status: "running", mappings: ["people"], lastError: null });
      // No client of the stack was refused anything by its engine user (each runs as its own, as in AWS).
      expect(await redis.call("ACL", "LOG"), "the primary's ACL LOG").to.deep.equal([]);

      // The load: its progress every 1000 records, then its outcome; the sample loaded at start too.
      await eventually(
        "both loads to succeed",
        async () => (await figure("feature-store", "LoadSucceeded")).total,
        (n) => n >= 2,
        60_000,
        200,
      );
      const status = (await (await fetch(endpoints.statusUrl + ".json")).json()) as {
        paths: { path: string; charts: { metric: string; points: [number, number][] }[] }[];
      };
      const progress = status.paths
        .find((p) => p.path === "feature-store")!
        .charts.find((c) => c.metric === "LoadProgress")!
        .points.map(([, v]) => v);
      for (const step of [1_000, 2_000, 3_000, 4_000, 5_000]) expect(progress, `progress at ${step}`).to.include(step);
      expect(await page.locator("#path-feature-store canvas").count()).to.be.at.least(3);
      await page.screenshot({ path: "test-output/status-page-quiet.png", fullPage: true });
      console.log(`      ${confirmed.page} items confirmed on the page and in the file; load progress drawn at ${progress.join(", ")}`);
    } finally {
      redis.disconnect();
      s3.destroy();
    }
  });

  it("each path's verdict comes from its alarm rules: OK when quiet, the change feed failing with its reason once a key is dead-lettered; the engine's nodes with their roles", async () => {
    await page.goto(endpoints.statusUrl);
    const verdicts = () => page.$$eval("section[data-path]", (sections) => sections.map((s) => `${s.dataset.path}:${s.dataset.verdict}`).sort());
    await eventually("every path to be OK", verdicts, (v) => v.length === 4 && v.every((x) => x.endsWith(":ok")), 30_000, 200);
    expect(await page.locator("#path-change-feed .verdict").textContent()).to.equal("OK");
    // A count nobody reported reads 0, with words for what it counts.
    expect((await figure("replica-dns", "KeeperHeld")).shown).to.match(/^0 /);
    expect(await page.locator('#path-replica-dns div[title="KeeperHeld"] dt').textContent()).to.equal(
      "runs that held the records (topology unsettled or unsafe)",
    );
    // The engine's own figures: the primary and its replica, with memory, ops/s and clients.
    await page.waitForFunction(() => document.querySelectorAll("#nodes tbody tr").length === 2);
    const roles = await page.$$eval("#nodes tbody tr", (rows) => rows.map((r) => r.querySelector(".role")!.textContent).sort());
    expect(roles).to.deep.equal(["primary", "replica"]);
    expect(await page.locator("#nodes tbody tr td:nth-child(3)").first().textContent()).to.match(/^[\d.]+[KMG]?$/);
    expect(await page.locator("#last-error").textContent()).to.match(/^(no error since the listener started|last error \d+ (s|min) ago: )/);

    const redis = new Redis(endpoints.redisUrl);
    try {
      await redis.hset("person:bad-field", Buffer.from([0xff]), "a field name that cannot name an attribute");
      await eventually(
        "the change feed to fail on its dead letter",
        () => page.getAttribute("#path-change-feed", "data-verdict"),
        (v) => v === "failing",
        30_000,
        200,
      );
      const reasons = await page.locator("#path-change-feed .reasons li").allTextContents();
      expect(reasons.some((r) => r.includes("were dead-lettered in five minutes") && r.includes("runbook: feed-dead-letters"))).to.equal(true);
      expect(await page.getAttribute("#path-feature-store", "data-verdict")).to.equal("ok");
      await page.screenshot({ path: "test-output/status-page-verdicts.png", fullPage: true });
    } finally {
      await redis.del("person:bad-field");
      redis.disconnect();
    }
  });

  it("/metrics is Prometheus text: HELP and TYPE for each metric, one sample per line, and the feed's counter equals the file's", async () => {
    const text = await (await fetch(endpoints.metricsUrl)).text();
    const lines = text.trimEnd().split("\n");
    const declared = new Set<string>();
    for (const line of lines) {
      if (line.startsWith("# TYPE ")) {
        const [, , name, type] = line.split(" ");
        expect(["counter", "gauge", "summary"], line).to.include(type);
        declared.add(name);
      } else if (!line.startsWith("# HELP ")) {
        const sample = /^([a-z0-9_]+?)(?:_sum|_count)?\{([a-z_]+="[^"]*"(?:,[a-z_]+="[^"]*")*)\} (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN)$/.exec(line);
        expect(sample, line).to.not.equal(null);
        expect(declared, `${line} follows its TYPE`).to.satisfy((names: Set<string>) =>
          [...names].some((n) => line.startsWith(`${n}{`) || line.startsWith(`${n}_`)),
        );
      }
    }
    const file = health();
    const items = lines.find((l) => l.startsWith("ecp_items_total{") && l.includes('mapping="people"'));
    expect(items, "the feed's items counter").to.be.a("string");
    expect(Number(items!.split(" ").pop())).to.equal(file.counters.written + file.counters.skipped);
    const loads = lines.find((l) => l.startsWith("ecp_load_succeeded_total{"));
    expect(Number(loads?.split(" ").pop())).to.be.at.least(2);
  });
});
