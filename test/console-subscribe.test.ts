import { expect } from "chai";
import type { Browser } from "playwright-core";
import { startCommandApiServer } from "../local/servers/command-api-server.js";
import { startRestServer } from "../local/servers/rest-server.js";
import { redisCommand, startRedis, type HttpService, type RedisNode } from "../local/launcher/services.js";
import { gatewayOn } from "./harness/command-gateway.js";
import { eventually } from "./harness/eventually.js";
import { numsub } from "./harness/subscribe-bed.js";
import { connectedConsole, launchChromium, screenLines, typeLine } from "./harness/browser.js";

describe("console in headless Chromium: SUBSCRIBE and PSUBSCRIBE over the REST endpoint's streams", function () {
  this.timeout(60_000);
  let node: RedisNode;
  let rest: HttpService;
  let server: HttpService & { consoleUrl: string };
  let browser: Browser;
  let close: () => void;

  before(async () => {
    node = await startRedis();
    const { gateway, connection } = await gatewayOn(node.url);
    close = () => connection.close();
    rest = await startRestServer(gateway, { readWrite: ["rest-token-0123456789"], readOnly: [] });
    server = await startCommandApiServer(gateway, [{ key: "da2-console", expires: Date.now() / 1000 + 3600 }], {
      consoleKey: "da2-console",
      consoleStreams: { url: rest.endpoint, token: "rest-token-0123456789" },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server.stop();
    await rest.stop();
    close();
    await node.stop();
  });

  const lines = screenLines;
  const type = typeLine;
  const connected = () => connectedConsole(browser, server.consoleUrl);

  it("SUBSCRIBE and PSUBSCRIBE print messages as redis-cli does until Ctrl-C, which ends the stream and Redis's subscriber", async () => {
    const { page, close } = await connected();
    const before = (await lines(page)).length;
    await page.fill("#command", "SUBSCRIBE news");
    await page.press("#command", "Enter");
    await page.waitForFunction(() => document.getElementById("screen")!.textContent!.includes("Reading messages... (press Ctrl-C to quit)"));
    await page.waitForFunction(() => document.getElementById("screen")!.textContent!.includes("(integer) 1"));
    expect(await redisCommand(node.url, "PUBLISH", "news", "hello, world")).to.equal(1);
    await page.waitForFunction(() => document.getElementById("screen")!.textContent!.includes("hello, world"));
    const prompt = (await page.textContent("#prompt")) ?? "";
    expect((await lines(page)).slice(before)).to.deep.equal([
      `${prompt}SUBSCRIBE news`,
      "Reading messages... (press Ctrl-C to quit)",
      '1) "subscribe"\n2) "news"\n3) (integer) 1',
      '1) "message"\n2) "news"\n3) "hello, world"',
    ]);
    await page.press("#command", "Control+c");
    await eventually(
      "the subscriber gone from Redis",
      () => numsub(node.url, "news"),
      (n) => n === 0,
    );
    // The prompt takes commands again.
    await type(page, "PSUBSCRIBE n*");
    await page.waitForFunction(() => document.getElementById("screen")!.textContent!.includes('2) "n*"'));
    await redisCommand(node.url, "PUBLISH", "news", "again");
    await page.waitForFunction(() => document.getElementById("screen")!.textContent!.includes('4) "again"'));
    await page.press("#command", "Control+c");
    await page.screenshot({ path: "test-output/console-subscribe.png" });
    await close();
  });
});
