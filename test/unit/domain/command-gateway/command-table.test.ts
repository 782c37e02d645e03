import { expect } from "chai";
import { deserializeTable, engineOfInfo, parseCommandReply, serializeTable, withDocs } from "../../../../domain/command-gateway/command-table.js";
import { table } from "./fixtures.js";

describe("domain/command-gateway/command-table: the server's COMMAND reply and the table shipped with the bundle", () => {
  it("parses COMMAND's entries and their subcommands (container commands as config|get)", () => {
    const parsed = parseCommandReply([
      ["get", 2, ["readonly", "fast"], 1, 1, 1, ["@read", "@string", "@fast"], [], [], []],
      ["config", -2, [], 0, 0, 0, ["@slow"], [], [], [["config|get", -3, ["admin"], 0, 0, 0, ["@admin"], [], [], []]]],
    ]);
    expect(parsed.get("get")).to.include({ arity: 2, firstKey: 1 });
    expect(parsed.get("config|get")?.flags).to.deep.equal(["admin"]);
  });

  it("the shipped table survives a round trip, grammars included; docs attach by name", () => {
    const again = deserializeTable(serializeTable(table));
    expect(again.size).to.equal(table.size);
    expect(again.get("zrange")?.doc?.arguments.map((a) => a.name)).to.deep.equal(table.get("zrange")?.doc?.arguments.map((a) => a.name));
    const bare = parseCommandReply([["get", 2, ["readonly"], 1, 1, 1, ["@read"], [], [], []]]);
    expect(withDocs(bare, new Map([["get", { group: "string", arguments: [] }]])).get("get")?.doc?.group).to.equal("string");
  });

  it("INFO names the engine: Valkey says so, Redis does not", () => {
    expect(engineOfInfo("# Server\r\nserver_name:valkey\r\nvalkey_version:8.0.2\r\nredis_version:7.2.4\r\n")).to.deep.equal({
      engine: "valkey",
      version: "8.0.2",
    });
    expect(engineOfInfo("# Server\r\nredis_version:7.0.15\r\n")).to.deep.equal({ engine: "redis", version: "7.0.15" });
  });
});
