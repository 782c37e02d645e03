import { expect } from "chai";
import { parseCommandList, RequestBudget } from "../../../../domain/command-gateway/batch.js";
import { BadRequest } from "../../../../domain/command-gateway/errors.js";
import { defaultGatewaySettings } from "../../../../domain/command-gateway/settings.js";

const budget = (settings: Partial<typeof defaultGatewaySettings> = {}) => new RequestBudget({ ...defaultGatewaySettings, ...settings });
const problem = (input: unknown, b = budget(), options = {}) => {
  try {
    parseCommandList(input, b, options);
    return undefined;
  } catch (error) {
    expect(error).to.be.instanceOf(BadRequest);
    return (error as Error).message;
  }
};

describe("domain/command-gateway/batch: a request's commands checked for shape and limits", () => {
  it("names what is wrong with the shape, by position", () => {
    expect(problem([])).to.equal("commands must be a non-empty list of commands");
    expect(problem([["GET", "k"], []])).to.equal("commands[1] must be a non-empty list of strings");
    expect(problem([["GET", null]])).to.equal("commands[0][1] is null, not a string");
    expect(problem([["INCRBY", "k", 2]])).to.equal("commands[0][2] is number, not a string");
    expect(parseCommandList([["INCRBY", "k", 2]], budget(), { scalarsAsStrings: true })).to.deep.equal([["INCRBY", "k", "2"]]);
  });

  it("counts bytes as Redis receives them, framing included, and spends the budget", () => {
    const b = budget({ maxRequestBytes: 40 });
    // *2\r\n $3\r\nGET\r\n $1\r\nk\r\n = 4 + 9 + 7 = 20 bytes
    expect(parseCommandList([["GET", "k"]], b)).to.deep.equal([["GET", "k"]]);
    expect([b.commands, b.requestBytes]).to.deep.equal([defaultGatewaySettings.maxCommands - 1, 20]);
    expect(
      problem(
        [
          ["GET", "k"],
          ["GET", "k"],
        ],
        b,
      ),
    ).to.match(/request exceeds the 20 left of the limit of 40 bytes/);
    // A million empty arguments count too.
    expect(problem([["DEL", ...Array<string>(50).fill("")]], budget({ maxRequestBytes: 100 }))).to.match(/the limit of 100 bytes/);
  });

  it("commands past the limit are refused before one is read", () => {
    expect(problem([["PING"], ["PING"], ["PING"]], budget({ maxCommands: 2 }))).to.equal("3 commands exceed the limit of 2 commands per request");
  });
});
