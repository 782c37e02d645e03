import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import type { Browser, Page } from "playwright-core";
import { completeCommand, helpText, hintFor, parseDocs } from "../web/command-help.js";
import { formatReply, sendCommands } from "../web/redis-cli.js";
import { startCommandApiServer } from "../local/servers/command-api-server.js";
import { redisCommand, startRedis, type HttpService, type RedisNode } from "../local/launcher/services.js";
import { gatewayOn } from "./harness/command-gateway.js";
import { launchChromium } from "./harness/browser.js";

describe("console: redis-cli's help, hints and completion from COMMAND DOCS", function () {
  this.timeout(60_000);
  let node: RedisNode;
  let server: HttpService & { consoleUrl: string };
  let close: () => void;
  const key = "da2-console";

  before(async () => {
    node = await startRedis();
    const { gateway, connection } = await gatewayOn(node.url);
    close = () => connection.close();
    server = await startCommandApiServer(gateway, [{ key, expires: Date.now() / 1000 + 3600 }], { consoleKey: key });
  });
  after(async () => {
    await server.stop();
    close();
    await node.stop();
  });

  it("HELP prints what redis-cli prints, byte for byte, for the server it talks to", async () => {
    const commands = [
      "set",
      "mset",
      "zadd",
      "config|get",
      "xread",
      "georadius",
      "sort",
      "lpos",
      "bitfield",
      "client|kill",
      "xadd",
      "zrange",
      "migrate",
      "hrandfield",
    ];
    for (const name of commands) {
      const [base, sub] = name.split("|");
      const docs = parseDocs(await redisCommand(node.url, "COMMAND", "DOCS", base));
      const doc = sub ? docs[base].subcommands[name] : docs[base];
      const cli = execFileSync("redis-cli", ["-u", node.url], { input: `help ${name.replace("|", " ")}\n` })
        .toString()
        .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "") // redis-cli's colours
        .replace(/\r\n/g, "\n");
      expect(`${helpText(name, doc)}\n`, name).to.equal(cli);
    }
  });

  it("replies are byte for byte what redis-cli prints on a terminal", async () => {
    const commands = [
      ["SET", "q", 'say "hi" é\t\x01'],
      ["GET", "q"],
      ["SET", "n", "1"],
      ["LPUSH", "n", "x"],
      ["DEL", "s", "z", "h"],
      ["XADD", "s", "1-1", "f", "v"],
      ["XRANGE", "s", "-", "+"],
      ["ZADD", "z", "1.5", "a", "2", "b"],
      ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
      ["HSET", "h", "k", "v"],
      ["HGETALL", "h"],
      ["GET", "missing"],
      ["LRANGE", "missing", "0", "-1"],
      ["INCR", "counter"],
      ["TYPE", "h"],
      ["PING"],
    ];
    const replies = await sendCommands(`${server.endpoint}/graphql`, key, commands);
    for (const [i, command] of commands.entries()) {
      // Run after the batch, redis-cli sees the same state for the reads (the writes are idempotent or checked by value).
      const cli = execFileSync("redis-cli", ["--no-raw", "-u", node.url, ...command])
        .toString()
        .replace(/\n$/, "");
      if (["SET", "DEL", "XADD", "ZADD", "HSET", "INCR"].includes(command[0])) continue;
      expect(formatReply(replies[i]), command.join(" ")).to.equal(cli);
    }
  });

  it("the page carries no key for anyone (the developer's URL names it in its fragment) and answers only on its own loopback name", async () => {
    expect(server.consoleUrl).to.match(/\/console#key=da2-console$/);
    const page = (await fetch(server.consoleUrl)).text();
    expect(await page)
      .to.contain("<title>")
      .and.not.contain(key);
    // DNS rebinding: a page on another name that resolves here gets nothing, the script included.
    for (const path of ["/console", "/redis-cli.js"]) {
      const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(server.consoleUrl);
        const request = httpRequest({ host: url.hostname, port: url.port, path, headers: { host: `attacker.example:${url.port}` } }, (response) => {
          let body = "";
          response.on("data", (chunk) => (body += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on("error", reject);
        request.end();
      });
      expect(rebound.status, path).to.equal(421);
      expect(rebound.body).to.not.contain(key);
    }
  });

  it("hints the arguments not yet typed, and completes command names in upper case, cycling", async () => {
    const docs = parseDocs(await redisCommand(node.url, "COMMAND", "DOCS", "set", "config"));
    expect(hintFor(docs.set, ["k"])).to.equal("value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]");
    expect(hintFor(docs.config.subcommands["config|get"], [])).to.equal("parameter [parameter ...]");
    // The same parse as the gateway's: options given, in any order, drop out of the hint.
    expect(hintFor(docs.set, ["k", "v", "EX", "10"])).to.equal("[NX|XX] [GET]");
    const names = ["hget", "hgetall", "hgetdel", "get", "config|get"];
    expect(completeCommand("hge", names)).to.equal("HGET");
    expect(completeCommand("hge", names, "HGET")).to.equal("HGETALL");
    expect(completeCommand("hge", names, "HGETDEL")).to.equal("HGET");
    expect(completeCommand("zz", names)).to.equal(undefined);
  });

  describe("in headless Chromium", () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => browser?.close());

    const lines = (page: Page) => page.$$eval("#screen div", (divs) => divs.map((d) => d.textContent ?? ""));
    const type = async (page: Page, command: string) => {
      const before = (await lines(page)).length;
      await page.fill("#command", command);
      await page.press("#command", "Enter");
      await page.waitForFunction((n) => document.querySelectorAll("#screen div").length >= n + 2, before);
    };

    it("is connected on load with the local key, keeps its history across reloads, and answers HELP, hints and Tab", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(server.consoleUrl);
      await page.waitForSelector("body.connected");
      expect(await page.inputValue("#key")).to.equal(key);
      await type(page, "SET greeting hello");
      await type(page, "HELP SET");
      expect((await lines(page)).join("\n"))
        .to.contain("  SET key value [NX|XX] [GET]")
        .and.contain("  summary: Sets the string value of a key");
      await page.screenshot({ path: "test-output/console-help.png" });

      // The hint follows what is typed, as redis-cli's does.
      await page.fill("#command", "");
      await page.type("#command", "SET k ");
      await page.waitForFunction(() => document.getElementById("hint")!.textContent!.startsWith("value [NX|XX]"));
      await page.screenshot({ path: "test-output/console-hint.png" });

      // Tab completes the command name (the server's COMMAND LIST), cycling on a second Tab.
      await page.fill("#command", "hgeta");
      await page.press("#command", "Tab");
      expect(await page.inputValue("#command")).to.equal("HGETALL");

      // A reload keeps the history and connects again by itself.
      await page.reload();
      await page.waitForSelector("body.connected");
      await page.press("#command", "ArrowUp");
      expect(await page.inputValue("#command")).to.equal("HELP SET");
      await page.press("#command", "ArrowUp");
      expect(await page.inputValue("#command")).to.equal("SET greeting hello");
      await page.fill("#command", "GET greeting");
      await page.press("#command", "Enter");
      await page.waitForFunction(() => document.getElementById("screen")!.textContent!.includes('"hello"'));
      await page.screenshot({ path: "test-output/console-reload.png" });
      await context.close();
    });
  });
});
