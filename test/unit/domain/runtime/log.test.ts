import { expect } from "chai";
import { createLogger, memoryLogger } from "../../../../domain/runtime/log.js";

describe("domain/runtime/log: Powertools' logger, and one in memory for tests", () => {
  it("the memory logger keeps each entry with its level, message and merged fields", () => {
    const log = memoryLogger();
    log.info("listening", { mappings: 2 }, { node: "a" });
    log.warn("reattach");
    expect(log.entries).to.deep.equal([
      { level: "info", message: "listening", mappings: 2, node: "a" },
      { level: "warn", message: "reattach" },
    ]);
  });

  it("a function's logger names its service", () => {
    const printed: string[] = [];
    const logger = createLogger("redis-rest");
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => printed.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      logger.info("ready");
    } finally {
      process.stdout.write = write;
    }
    const lines = printed.join("").trim().split("\n").filter(Boolean);
    const entry = JSON.parse(lines.at(-1) ?? "{}") as Record<string, unknown>;
    expect([entry.service, entry.message]).to.deep.equal(["redis-rest", "ready"]);
  });
});
