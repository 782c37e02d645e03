import { expect } from "chai";
import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { formatReply, parseCommandLine, quote, type Reply } from "../web/redis-cli.js";
import { formatRaw, NotTextArgument, printsRaw } from "../web/cli-format.js";
import { startCommandApiServer } from "../local/servers/command-api-server.js";
import { redisCommand, startRedis, type HttpService, type RedisNode } from "../local/launcher/services.js";
import { gatewayOn } from "./harness/command-gateway.js";
import { launchChromium } from "./harness/browser.js";

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("command API over HTTP (local AppSync stand-in) and the console page", function () {
  this.timeout(60_000);
  let node: RedisNode;
  let server: HttpService & { graphqlUrl: string; consoleUrl: string; cachedDocumentBytes: () => number };
  let disconnect: () => void;
  const now = Math.floor(Date.now() / 1000);
  const keys = [
    { key: "da2-valid", expires: now + 3600 },
    { key: "da2-expired", expires: now - 60 },
  ];

  before(async () => {
    node = await startRedis();
    const { gateway, connection } = await gatewayOn(node.url);
    disconnect = () => connection.close();
    server = await startCommandApiServer(gateway, keys);
  });
  after(async () => {
    await server.stop();
    disconnect();
    await node.stop();
  });

  const mutation = { query: 'mutation { run(commands: [["SET","a","1"],["INCR","a"],["GET","a"]]) { type value error } }' };

  it("serves the schema's mutation with a valid key", async () => {
    const response = await post(server.graphqlUrl, mutation, { "x-api-key": "da2-valid" });
    expect(response.status).to.equal(200);
    const body = (await response.json()) as { data: { run: Reply[] } };
    expect(body.data.run.map((r) => [r.type, JSON.parse(r.value as string) as unknown])).to.deep.equal([
      ["STATUS", "OK"],
      ["INTEGER", 2],
      ["STRING", "2"],
    ]);
  });

  for (const [what, headers, message] of [
    ["no key", {}, "Valid authorization header not provided."],
    ["a wrong key", { "x-api-key": "da2-wrong" }, "You are not authorized to make this call."],
    ["an expired key", { "x-api-key": "da2-expired" }, "API key has expired."],
  ] as [string, Record<string, string>, string][]) {
    it(`refuses ${what} with 401 UnauthorizedException`, async () => {
      const response = await post(server.graphqlUrl, mutation, headers);
      expect(response.status).to.equal(401);
      expect(await response.json()).to.deep.equal({ errors: [{ errorType: "UnauthorizedException", message }] });
    });
  }

  it("reports a refused command as a GraphQL error with its type", async () => {
    const response = await post(server.graphqlUrl, { query: 'query { read(commands: [["SET","a","1"]]) { type } }' }, { "x-api-key": "da2-valid" });
    const body = (await response.json()) as { errors: { errorType: string; message: string }[] };
    expect(body.errors[0].errorType).to.equal("CommandRefused");
    expect(body.errors[0].message).to.match(/'set' is not allowed/);
  });

  it("keeps its compiled-document cache bounded in bytes against ever new large documents", async () => {
    const padding = " ".repeat(100_000);
    for (let i = 0; i < 60; i++)
      await post(server.graphqlUrl, { query: `query Q${i} { read(commands: [["GET","a"]]) { type } }${padding}` }, { "x-api-key": "da2-valid" });
    expect(server.cachedDocumentBytes()).to.be.at.most(4 << 20);
    expect(server.cachedDocumentBytes()).to.be.above(3 << 20);
  });

  it("answers malformed requests with 400 and keeps serving", async () => {
    const bad = await fetch(server.graphqlUrl, { method: "POST", headers: { "x-api-key": "da2-valid" }, body: "{nope" });
    expect(bad.status).to.equal(400);
    const ok = await post(server.graphqlUrl, mutation, { "x-api-key": "da2-valid" });
    expect(ok.status).to.equal(200);
  });

  describe("redis-cli formatting and parsing (pure)", () => {
    it("formats replies exactly as redis-cli does", () => {
      expect(formatReply({ type: "STATUS", value: "OK" })).to.equal("OK");
      expect(formatReply({ type: "INTEGER", value: 1 })).to.equal("(integer) 1");
      expect(formatReply({ type: "STRING", value: 'say "hi"\n' })).to.equal('"say \\"hi\\"\\n"');
      expect(formatReply({ type: "NIL", value: null })).to.equal("(nil)");
      expect(formatReply({ type: "ERROR", value: null, error: "ERR unknown command 'x'" })).to.equal("(error) ERR unknown command 'x'");
      expect(formatReply({ type: "ARRAY", value: [] })).to.equal("(empty array)");
      const nested: Reply = {
        type: "ARRAY",
        value: [
          {
            type: "ARRAY",
            value: [
              { type: "STRING", value: "1-1" },
              {
                type: "ARRAY",
                value: [
                  { type: "STRING", value: "f" },
                  { type: "STRING", value: "v" },
                ],
              },
            ],
          },
          ...Array.from({ length: 9 }, (_, i) => ({ type: "INTEGER" as const, value: i })),
        ],
      };
      expect(formatReply(nested).split("\n").slice(0, 4)).to.deep.equal([' 1) 1) "1-1"', '    2) 1) "f"', '       2) "v"', " 2) (integer) 0"]);
      expect(quote("\x01é")).to.equal('"\\x01\\xc3\\xa9"');
    });
    it("splits arguments as redis-cli does", () => {
      expect(parseCommandLine('SET "a b" \'c \\\' d\' e\\x41 "\\x41\\n"')).to.deep.equal(["SET", "a b", "c ' d", "e\\x41", "A\n"]);
      expect(parseCommandLine("  GET   k  ")).to.deep.equal(["GET", "k"]);
      expect(parseCommandLine('SET "unterminated')).to.equal(undefined);
      expect(parseCommandLine('SET "a"b')).to.equal(undefined);
      expect(parseCommandLine("")).to.deep.equal([]);
    });
    it("an escape is the byte it names: three escapes of UTF-8 are one character of three bytes, bytes that are not UTF-8 are refused by name", () => {
      expect(parseCommandLine('SET binary "\\xe2\\x82\\xac"')).to.deep.equal(["SET", "binary", "€"]);
      expect(() => parseCommandLine('SET k "a\\xff"')).to.throw(NotTextArgument, 'argument 3 ("a\\xff") is not UTF-8 text');
      expect(quote(new Uint8Array([0xe2, 0x82, 0xac, 0xff]))).to.equal('"\\xe2\\x82\\xac\\xff"');
    });
    it("prints INFO and the other raw-output commands as lines, as redis-cli does", () => {
      expect(printsRaw(["INFO"])).to.equal(true);
      expect(printsRaw(["client", "LIST"])).to.equal(true);
      expect(printsRaw(["GET", "info"])).to.equal(false);
      expect(formatRaw({ type: "STRING", value: new TextEncoder().encode("# Server\r\nredis_version:7.0\r\n") })).to.equal("# Server\nredis_version:7.0");
    });
  });

  describe("console page in headless Chromium", () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => browser?.close());

    it("connects, runs SET a 1, GET a, LRANGE l 0 -1 and shows redis-cli's formatting", async () => {
      await redisCommand(node.url, "DEL", "l", "a");
      await redisCommand(node.url, "RPUSH", "l", "x", "y z");
      const page = await browser.newPage();
      await page.goto(server.consoleUrl);
      expect(await page.inputValue("#url")).to.equal(server.graphqlUrl);
      await page.fill("#key", "da2-valid");
      await page.click("#connect-button");
      await page.waitForSelector("body.connected");
      const lines = () => page.$$eval("#screen div", (divs) => divs.map((d) => d.textContent ?? ""));
      for (const command of ["SET a 1", "GET a", "LRANGE l 0 -1", "GET missing", "INCR l"]) {
        const before = (await lines()).length;
        await page.fill("#command", command);
        await page.press("#command", "Enter");
        await page.waitForFunction((n) => document.querySelectorAll("#screen div").length >= n + 2, before);
      }
      const screen = (await lines()).join("\n");
      expect(screen).to.contain("> SET a 1\nOK\n");
      expect(screen).to.contain('> GET a\n"1"\n');
      expect(screen).to.contain('> LRANGE l 0 -1\n1) "x"\n2) "y z"\n');
      expect(screen).to.contain("> GET missing\n(nil)\n");
      expect(screen).to.contain("(error) WRONGTYPE Operation against a key holding the wrong kind of value");
      // History: up arrow brings back the last command.
      await page.press("#command", "ArrowUp");
      expect(await page.inputValue("#command")).to.equal("INCR l");
      mkdirSync("test-output", { recursive: true });
      await page.screenshot({ path: "test-output/console.png" });
    });

    it("sends a pasted multi-line batch as one mutation", async () => {
      const page = await browser.newPage();
      // The page asks for COMMAND LIST and COMMAND DOCS on its own (Tab, hints) whenever it likes: count
      // only the requests that carry the pasted commands.
      const sent: string[][][] = [];
      page.on("request", (r) => {
        if (r.url().endsWith("/graphql") && r.method() === "POST")
          sent.push((JSON.parse(r.postData() ?? "{}") as { variables?: { commands?: string[][] } }).variables?.commands ?? []);
      });
      await page.goto(`${server.consoleUrl.split("#")[0]}#key=da2-valid`);
      await page.click("#connect-button");
      await page.waitForSelector("body.connected");
      await page.evaluate(() => {
        const data = new DataTransfer();
        data.setData("text", "SET p 1\nINCR p\nGET p");
        document.getElementById("command")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      });
      await page.waitForFunction(() => document.getElementById("screen")!.textContent!.includes('"2"'));
      const pasted = sent.filter((commands) => commands.some((c) => c.includes("p")));
      expect(pasted).to.deep.equal([
        [
          ["SET", "p", "1"],
          ["INCR", "p"],
          ["GET", "p"],
        ],
      ]);
    });
  });
});
