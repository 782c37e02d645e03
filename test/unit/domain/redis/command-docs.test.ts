import { expect } from "chai";
import { mapOf, parseDocs } from "../../../../domain/redis/command-docs.js";

// COMMAND DOCS GET and CONFIG as RESP2 delivers them: maps as flat [key, value, ...] lists.
const reply = [
  "GET",
  ["summary", "Returns the string value of a key.", "since", "1.0.0", "group", "string", "arguments", [["name", "key", "type", "key", "key_spec_index", 0]]],
  "CONFIG",
  [
    "summary",
    "A container",
    "since",
    "2.0.0",
    "group",
    "server",
    "subcommands",
    ["CONFIG|GET", ["summary", "Returns values", "group", "server", "arguments", [["name", "parameter", "type", "string", "flags", ["multiple"]]]]],
  ],
];

describe("domain/redis/command-docs: the server's COMMAND DOCS, parsed", () => {
  it("reads flat maps, lower-cases names, keeps key spec indexes and flags, and nests subcommands", () => {
    const docs = parseDocs(reply);
    expect(Object.keys(docs)).to.deep.equal(["get", "config"]);
    expect(docs.get.group).to.equal("string");
    expect(docs.get.arguments[0]).to.deep.equal({ name: "key", type: "key", token: undefined, flags: [], arguments: [], keySpecIndex: 0 });
    expect(docs.config.subcommands["config|get"].arguments[0].flags).to.deep.equal(["multiple"]);
  });

  it("what is not a list reads as empty", () => {
    expect(mapOf("nope").size).to.equal(0);
    expect(parseDocs(null)).to.deep.equal({});
  });
});
