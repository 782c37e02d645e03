import { expect } from "chai";
import { callerId, CommandGateway } from "../../../../domain/command-gateway/gateway.js";
import { CommandRefused } from "../../../../domain/command-gateway/errors.js";
import { defaultGatewaySettings } from "../../../../domain/command-gateway/settings.js";
import { PathMetrics, type EmfDocument } from "../../../../domain/runtime/metrics.js";
import { fakeConnection } from "./fixtures.js";

describe("domain/command-gateway/gateway: one command core, one round trip per request", () => {
  it("falls back to the shipped table when the server will not list its commands, then runs a batch in one round trip", async () => {
    const { connection, sent } = fakeConnection((c) => Buffer.from(c[0] === "GET" ? "v" : "OK"));
    const gateway = new CommandGateway(connection, defaultGatewaySettings);
    const results = await gateway.run(
      [
        ["SET", "k", "v"],
        ["GET", "k"],
      ],
      { access: "write", transaction: false },
    );
    expect(results.map((r) => [r.command.name, String(r.reply.ok && r.reply.value)])).to.deep.equal([
      ["set", "OK"],
      ["get", "v"],
    ]);
    expect(sent.filter((batch) => batch[0][0] !== "COMMAND")).to.deep.equal([
      [
        ["SET", "k", "v"],
        ["GET", "k"],
      ],
    ]);
  });

  it("a refused command stops the whole request before anything is sent, and is counted", async () => {
    const { connection, sent } = fakeConnection();
    const documents: EmfDocument[] = [];
    const metrics = new PathMetrics("command-gateway", (d) => documents.push(d));
    const gateway = new CommandGateway(connection, defaultGatewaySettings, { metrics });
    await gateway.commandTable();
    const before = sent.length;
    const refused = await gateway.run([["SET", "k", "v"], ["FLUSHALL"]], { access: "write", transaction: false }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(CommandRefused);
    expect((refused as Error).message).to.match(/\(command 2\)$/);
    expect(sent.length).to.equal(before);
    metrics.flush();
    expect(JSON.stringify(documents)).to.include("Refusals");
  });

  it("a caller's key prefix comes from its id, never from the secret itself", async () => {
    const { connection } = fakeConnection();
    const apiKey = "da2-tenant-key";
    const gateway = new CommandGateway(connection, { ...defaultGatewaySettings, keyPrefixes: { [callerId(apiKey)]: "t:" } });
    expect(callerId(apiKey))
      .to.match(/^sha256:[0-9a-f]{32}$/)
      .and.not.include(apiKey);
    const refused = await gateway.run([["GET", "other"]], { access: "read", transaction: false, caller: callerId(apiKey) }).catch((e: unknown) => e);
    expect((refused as CommandRefused).reason).to.equal("key-prefix");
  });
});
