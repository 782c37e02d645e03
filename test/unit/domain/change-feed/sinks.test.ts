import { expect } from "chai";
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { SinkFailed } from "../../../../domain/change-feed/errors.js";
import { parseMapping } from "../../../../domain/change-feed/mappings.js";
import { RoutingSink } from "../../../../domain/change-feed/sinks.js";
import type { Change } from "../../../../domain/change-feed/writer.js";

const direct = parseMapping({ name: "people", pattern: "person:*", table: "people" });
const viaLambda = parseMapping({ name: "orders", pattern: "order:*", table: "orders", lambda: "change-writer" });
const changes: Change[] = [{ key: "order:1", partitionKey: { name: "id", value: "1" }, version: Date.now() * 1000, attributes: { total: "3" } }];
const payload = (body: unknown) => Buffer.from(JSON.stringify(body));

describe("domain/change-feed/sinks: each mapping's sink, and which of its failures a retry can fix", () => {
  it("a direct mapping writes the table; a refusal that no retry fixes is a permanent SinkFailed", async () => {
    const dynamo = new DynamoDBClient({ region: "us-east-1" });
    mockClient(dynamo)
      .on(PutItemCommand)
      .rejects(Object.assign(new Error("Requested resource not found"), { name: "ResourceNotFoundException" }));
    const failure = await new RoutingSink(dynamo).write(direct, changes).catch((e: unknown) => e);
    expect(failure).to.be.instanceOf(SinkFailed);
    expect((failure as SinkFailed).retryable).to.equal(false);
    expect((failure as Error).message).to.equal("writing to people: ResourceNotFoundException: Requested resource not found");
  });

  it("checks a mapping's table when it loads: missing, keyed otherwise or not describable is a reason; an outage refuses nothing", async () => {
    const dynamo = new DynamoDBClient({ region: "us-east-1" });
    const mock = mockClient(dynamo);
    const sink = new RoutingSink(dynamo);
    const error = (name: string) => Object.assign(new Error(`${name} said`), { name });
    mock
      .on(DescribeTableCommand)
      .rejectsOnce(error("ResourceNotFoundException"))
      .resolvesOnce({ Table: { KeySchema: [{ AttributeName: "userId", KeyType: "HASH" }] } })
      .rejectsOnce(error("AccessDeniedException"))
      .rejectsOnce(error("TimeoutError"))
      .resolvesOnce({ Table: { KeySchema: [{ AttributeName: direct.partitionKey, KeyType: "HASH" }] } });
    expect(await sink.check(direct)).to.equal('table "people" does not exist');
    expect(await sink.check(direct)).to.equal(`table "people" is keyed by "userId", not the mapping's partition key "${direct.partitionKey}"`);
    expect(await sink.check(direct)).to.equal('table "people" cannot be described: AccessDeniedException: AccessDeniedException said');
    expect(await sink.check(direct)).to.equal(undefined);
    expect(await sink.check(direct)).to.equal(undefined);
  });

  it("a Lambda mapping invokes the writer with the table and changes, and adds up its results", async () => {
    const lambda = new LambdaClient({ region: "us-east-1" });
    const mock = mockClient(lambda);
    mock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ written: 1, skipped: 0, retried: 2, rejected: [] }) as never });
    const result = await new RoutingSink(new DynamoDBClient({ region: "us-east-1" }), lambda).write(viaLambda, changes);
    expect(result).to.deep.equal({ written: 1, skipped: 0, retried: 2, rejected: [] });
    const sent = JSON.parse(Buffer.from(mock.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array).toString("utf8")) as {
      table: string;
      changes: Change[];
    };
    expect([sent.table, sent.changes.length]).to.deep.equal(["orders", 1]);
  });

  it("a writer that fails says how: throttling is retryable, a refused table is not", async () => {
    const lambda = new LambdaClient({ region: "us-east-1" });
    const mock = mockClient(lambda);
    const sink = new RoutingSink(new DynamoDBClient({ region: "us-east-1" }), lambda);
    mock.on(InvokeCommand).resolves({
      FunctionError: "Unhandled",
      Payload: payload({ errorType: "TableNotAllowed", errorMessage: "table orders is not one this function writes to" }) as never,
    });
    const refused = (await sink.write(viaLambda, changes).catch((e: unknown) => e)) as SinkFailed;
    expect([refused.retryable, refused.message]).to.deep.equal([
      false,
      "change-writer failed: TableNotAllowed: table orders is not one this function writes to",
    ]);
    mock.on(InvokeCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" }));
    expect(((await sink.write(viaLambda, changes).catch((e: unknown) => e)) as SinkFailed).retryable).to.equal(true);
  });
});
