import { expect } from "chai";
import {
  callerOf,
  checkVariablesBound,
  fieldShare,
  resolveCommandField,
  type AppSyncResolverEvent,
} from "../../../../domain/command-gateway/appsync-resolver.js";
import { BadRequest } from "../../../../domain/command-gateway/errors.js";
import { callerId, CommandGateway } from "../../../../domain/command-gateway/gateway.js";
import { defaultGatewaySettings } from "../../../../domain/command-gateway/settings.js";
import { fakeConnection } from "./fixtures.js";

describe("domain/command-gateway/appsync-resolver: an AppSync Direct Lambda Resolver event in, the field's value out", () => {
  it("each of a document's fields gets its share of the per-request limits (never below 1)", () => {
    const share = fieldShare({ ...defaultGatewaySettings, maxCommands: 10, maxReplyBytes: 1_000, maxCopyBytes: 1 }, 3);
    expect([share.maxCommands, share.maxReplyBytes, share.maxCopyBytes, share.maxReplyElements]).to.deep.equal([
      3,
      333,
      1,
      defaultGatewaySettings.maxReplyElements,
    ]);
  });

  it("the caller is its authorizer's identity, else a hash of its API key (never the key)", () => {
    const event = (e: Partial<AppSyncResolverEvent>): AppSyncResolverEvent => ({ arguments: {}, info: { fieldName: "read", parentTypeName: "Query" }, ...e });
    expect(callerOf(event({ identity: { resolverContext: { caller: "tenant-a" } } }))).to.equal("tenant-a");
    expect(callerOf(event({ request: { headers: { "x-api-key": "da2-key" } } }))).to.equal(callerId("da2-key"));
    expect(callerOf(event({}))).to.equal(undefined);
  });

  it("Query.read reads, Mutation.run writes, and each reply is typed; an unknown field is a bad request", async () => {
    const { connection } = fakeConnection((c) => (c[0] === "INCR" ? "2" : Buffer.from("OK")));
    const gateway = new CommandGateway(connection, defaultGatewaySettings);
    const info = (parentTypeName: string, fieldName: string) => ({ parentTypeName, fieldName, selectionSetGraphQL: "{ type value error }" });
    const run = await resolveCommandField(gateway, {
      arguments: {
        commands: [
          ["SET", "k", "v"],
          ["INCR", "n"],
        ],
      },
      info: info("Mutation", "run"),
    });
    expect(run).to.deep.equal([
      { type: "STATUS", value: '"OK"', error: null },
      { type: "INTEGER", value: "2", error: null },
    ]);
    const read = await resolveCommandField(gateway, { arguments: { commands: [["SET", "k", "v"]] }, info: info("Query", "read") }).catch((e: unknown) => e);
    expect((read as Error).message).to.match(/may only read/);
    const unknown = await resolveCommandField(gateway, { arguments: {}, info: info("Query", "nope") }).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(BadRequest);
  });

  it("variables past what any request within MAX_REQUEST_BYTES needs are refused by counting, before coercion", () => {
    const settings = { ...defaultGatewaySettings, maxFieldsPerRequest: 1, maxRequestBytes: 600 };
    expect(() => checkVariablesBound({ c: Array.from({ length: 30 }, () => ["GET", "k"]) }, settings)).to.not.throw();
    expect(() => checkVariablesBound({ c: Array.from({ length: 100 }, () => []) }, settings)).to.throw(BadRequest, "the variables hold more than 100 values");
  });
});
