import { expect } from "chai";
import { readFileSync } from "node:fs";
import {
  defaultGatewaySettings,
  gatewayEnvironment,
  gatewayEnvironmentNames,
  keyPrefixesOf,
  readGatewaySettings,
} from "../../../../domain/command-gateway/settings.js";
import { readEnvironment } from "../../../../domain/runtime/env.js";
import { ConfigError } from "../../../../domain/runtime/errors.js";

describe("domain/command-gateway/settings: the one settings type, each default documented beside its field", () => {
  it("the @default beside each field is the value defaultGatewaySettings holds", () => {
    const source = readFileSync("domain/command-gateway/settings.ts", "utf8");
    const documented = Object.fromEntries([...source.matchAll(/@default (\S+)[^\n]*\n\s*\*\/\n\s*(\w+):/g)].map((m) => [m[2], m[1]]));
    expect(Object.keys(documented).sort()).to.deep.equal(Object.keys(defaultGatewaySettings).sort());
    for (const [field, value] of Object.entries(defaultGatewaySettings)) expect(documented[field], field).to.equal(JSON.stringify(value));
  });

  it("reads every setting from its variable (with a prefix for the infrastructure), and writes them back the same", () => {
    const settings = { ...defaultGatewaySettings, maxCommands: 5, allowScripts: true, keyPrefixes: { "sha256:ab": "t:" } };
    expect(readGatewaySettings(readEnvironment(gatewayEnvironment(settings)))).to.deep.equal(settings);
    const prefixed = Object.fromEntries(Object.entries(gatewayEnvironment(settings)).map(([k, v]) => [`ECP_${k}`, v]));
    expect(readGatewaySettings(readEnvironment(prefixed), "ECP_")).to.deep.equal(settings);
    expect(readGatewaySettings(readEnvironment({}))).to.deep.equal(defaultGatewaySettings);
    expect(Object.keys(gatewayEnvironmentNames)).to.have.length(Object.keys(defaultGatewaySettings).length);
  });

  it("a bad value names its variable; key prefixes must be non-empty strings", () => {
    expect(() => readGatewaySettings(readEnvironment({ MAX_COMMANDS: "lots" }))).to.throw(ConfigError, "MAX_COMMANDS");
    expect(() => keyPrefixesOf({ caller: "" })).to.throw("the prefix of caller is not a non-empty string");
    expect(() => keyPrefixesOf([])).to.throw("not a JSON object");
    expect(() => readGatewaySettings(readEnvironment({ KEY_PREFIXES: '{"a":1}' }))).to.throw(ConfigError, "KEY_PREFIXES must be JSON such as");
  });
});
