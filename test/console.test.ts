import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import type { Browser, Page } from "playwright-core";
import { completeCommand, helpText, hintFor, parseDocs } from "../web/command-help.js";
import { formatReply, sendCommands } from "../web/redis-cli.js";
import { startCommandApiServer } from "../local/servers/command-api-server.js";
import { startRestServer } from "../local/servers/rest-server.js";
import { redisCommand, startRedis, type HttpService, type RedisNode } from "../local/launcher/services.js";
import { gatewayOn } from "./harness/command-gateway.js";
import { connectedConsole, launchChromium, screenLines, typeLine } from "./harness/browser.js";

describe("console: redis-cli's help, hints and completion from COMMAND DOCS", function () {
  this.timeout(60_000);
  let node: RedisNode;
  let server: HttpService & { consoleUrl: string };
  let rest: HttpService;
  let close: () => void;
  const key = "da2-console";

  before(async () => {
    node = await startRedis();
    const { gateway, connection } = await gatewayOn(node.url);
    close = () => connection.close();
    rest = await startRestServer(gateway, { readWrite: ["rest-token-0123456789"], readOnly: [] });
    server = await startCommandApiServer(gateway, [{ key, expires: Date.now() / 1000 + 3600 }], {
      consoleKey: key,
      consoleStreams: { url: rest.endpoint, token: "rest-token-0123456789" },
    });
  });
  after(async () => {
    await server.stop();
    await rest.stop();
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
    expect(server.consoleUrl).to.match(/\/console#key=da2-console&rest=http%3A%2F%2F127\.0\.0\.1%3A\d+&token=rest-token-0123456789$/);
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
    const docs = parseDocs(await redisCommand(node.url, "COMMAND", "DOCS", "set", "config", "hsetex", "hgetdel"));
    expect(hintFor(docs.set, ["k"])).to.equal(
      "value [NX|XX|IFEQ comparison-value] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]",
    );
    // Valkey 9's hash-field commands, from the engine's own docs.
    expect(hintFor(docs.hsetex, ["k"])).to.equal(
      "[NX|XX] [FNX|FXX] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL] FIELDS numfields field value [field value ...]",
    );
    expect(hintFor(docs.hgetdel, ["k"])).to.equal("FIELDS numfields field [field ...]");
    expect(hintFor(docs.config.subcommands["config|get"], [])).to.equal("parameter [parameter ...]");
    // The same parse as the gateway's: options given, in any order, drop out of the hint.
    expect(hintFor(docs.set, ["k", "v", "EX", "10"])).to.equal("[NX|XX|IFEQ comparison-value] [GET]");
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

    const lines = screenLines;
    const type = typeLine;

    it("is connected on load with the local key, keeps its history across reloads, and answers HELP, hints and Tab", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(server.consoleUrl);
      await page.waitForSelector("body.connected");
      expect(await page.inputValue("#key")).to.equal(key);
      await type(page, "SET greeting hello");
      await type(page, "HELP SET");
      expect((await lines(page)).join("\n"))
        .to.contain("  SET key value [NX|XX|IFEQ comparison-value] [GET]")
        .and.contain("  summary: Sets the string value of a key");
      await page.screenshot({ path: "test-output/console-help.png" });

      // The hint follows what is typed, as redis-cli's does.
      await page.fill("#command", "");
      await page.type("#command", "SET k ");
      await page.waitForFunction(() => document.getElementById("hint")!.textContent!.startsWith("value [NX|XX|IFEQ comparison-value]"));
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

    /** What redis-cli prints for a line given on its standard input, colours off, in the console's line endings. */
    const cli = (line: string) =>
      execFileSync("redis-cli", ["--no-raw", "-u", node.url], { input: `${line}\n` })
        .toString()
        .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")
        .replace(/\r\n/g, "\n");
    const connected = () => connectedConsole(browser, server.consoleUrl);
    /** The lines the console printed for one command: what follows its echo, up to the next echo. */
    const replyTo = async (page: Page, command: string) => {
      const all = await lines(page);
      const at = all.lastIndexOf(`${(await page.textContent("#prompt")) ?? ""}${command}`);
      return all.slice(at + 1, at + 2)[0];
    };

    it("is binary-safe: an escape stores the byte it names, and replies show the bytes as redis-cli shows them", async () => {
      const { page, close } = await connected();
      await type(page, 'SET binary "\\xe2\\x82\\xac"');
      expect(cli("STRLEN binary")).to.equal("(integer) 3\n");
      await type(page, "GET binary");
      expect(`${await replyTo(page, "GET binary")}\n`).to.equal(cli("GET binary"));
      // Bytes that are not UTF-8, written by redis-cli, read back by the console exactly.
      cli('SET raw "\\xff\\xfe\\x00z"');
      await type(page, "GET raw");
      expect(await replyTo(page, "GET raw")).to.equal('"\\xff\\xfe\\x00z"');
      expect(`${await replyTo(page, "GET raw")}\n`).to.equal(cli("GET raw"));
      // An argument that is not UTF-8 cannot travel as text: refused by name, nothing sent.
      await type(page, 'SET raw "\\xff"');
      expect(await replyTo(page, 'SET raw "\\xff"')).to.match(/^\(error\) argument 3 \("\\xff"\) is not UTF-8 text/);
      await close();
    });

    it("INFO prints as lines, HELP alone and HELP @group as redis-cli prints them, clear clears, quit disconnects", async () => {
      const { page, close } = await connected();
      await type(page, "INFO server");
      const info = (await replyTo(page, "INFO server")).split("\n");
      expect(info[0]).to.equal("# Server");
      expect(info.some((l) => /^(redis|valkey)_version:/.test(l))).to.equal(true);
      await type(page, "HELP");
      expect(await replyTo(page, "HELP")).to.contain('"help @<group>" to get a list of commands in <group>');
      await type(page, "HELP @hash");
      expect(`${await replyTo(page, "HELP @hash")}\n`).to.equal(cli("help @hash"));
      await page.screenshot({ path: "test-output/console-help-group.png" });
      await page.fill("#command", "clear");
      await page.press("#command", "Enter");
      await page.waitForFunction(() => document.querySelectorAll("#screen div").length === 0);
      await page.fill("#command", "quit");
      await page.press("#command", "Enter");
      await page.waitForFunction(() => !document.body.classList.contains("connected"));
      expect((await lines(page)).pop()).to.equal("Disconnected. Press Connect (or reload the page) to start again.");
      await close();
    });

    it("a pasted batch shows each reply under its command, in one round trip", async () => {
      const { page, close } = await connected();
      const requests: string[] = [];
      page.on("request", (r) => void (r.url().endsWith("/graphql") && r.method() === "POST" && requests.push(r.postData() ?? "")));
      const before = (await lines(page)).length;
      await page.evaluate(() => {
        const data = new DataTransfer();
        data.setData("text", "SET pasted 1\nGET pasted\nINCR pasted\n");
        document.getElementById("command")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      });
      await page.waitForFunction((n) => document.querySelectorAll("#screen div").length >= n + 6, before);
      const prompt = (await page.textContent("#prompt")) ?? "";
      expect((await lines(page)).slice(before)).to.deep.equal([
        `${prompt}SET pasted 1`,
        "OK",
        `${prompt}GET pasted`,
        '"1"',
        `${prompt}INCR pasted`,
        "(integer) 2",
      ]);
      expect(requests.filter((r) => r.includes("mutation"))).to.have.length(1);
      await close();
    });

    it("a page without a key says where the key is; an API that cannot be reached gets a sentence, not 'Failed to fetch'", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(server.consoleUrl.replace(/#.*$/, ""));
      await page.waitForFunction(() => document.getElementById("screen")!.textContent!.includes("No API key"));
      expect((await lines(page)).join("\n")).to.contain("its #key= fragment carries the key");
      await page.fill("#url", "http://127.0.0.1:9/graphql");
      await page.fill("#key", "da2-anything");
      await page.click("#connect-button");
      await page.waitForFunction(() => document.getElementById("screen")!.textContent!.includes("Could not connect"));
      const said = (await lines(page)).pop()!;
      expect(said).to.match(/^Could not connect: could not reach http:\/\/127\.0\.0\.1:9\/graphql \(.*\): is the stack running \(make dev\)/);
      await context.close();
    });
  });
});
