import { expect } from "chai";
import { exposure } from "../../../../domain/command-gateway/exposure.js";
import { refusedBecause } from "../../../../domain/command-gateway/not-exposed.js";
import { table } from "./fixtures.js";

describe("domain/command-gateway/exposure: the list of data commands, each with its access and cost rules", () => {
  const names = Object.keys(exposure);

  it("lists a few hundred commands, each engine command one the shipped table knows with a documented grammar", () => {
    expect(names.length).to.be.greaterThan(150);
    // A module's commands (json.*) are listed for engines that load it; the shipped table is a bare engine's.
    expect(names.filter((n) => !n.includes(".") && !table.get(n)?.doc)).to.deep.equal([]);
  });

  it("a command the engine marks as writing is listed as a write; nothing is both listed and refused", () => {
    const mislabelled = names.filter((n) => exposure[n].access === "read" && (table.get(n)?.flags.includes("write") ?? false));
    expect(mislabelled).to.deep.equal([]);
    expect(names.filter((n) => n in refusedBecause)).to.deep.equal([]);
  });

  it("every command that walks a collection or the keyspace has a cost rule", () => {
    for (const walker of ["keys", "smembers", "hgetall", "lrange", "zrange", "sort", "sunion", "copy"])
      expect(exposure[walker]?.cost.length, walker).to.be.greaterThan(0);
  });
});
