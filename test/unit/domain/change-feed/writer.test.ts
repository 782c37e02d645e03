import { expect } from "chai";
import { DynamoDBClient, PutItemCommand, ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { BadWriteRequest, TableNotAllowed } from "../../../../domain/change-feed/errors.js";
import { itemOf, maxVersionAheadMicros, writeChanges, writeRequestOf, type Change } from "../../../../domain/change-feed/writer.js";

const now = Date.now();
const change = (value: string, version: number, attributes?: Change["attributes"]): Change => ({
  key: `person:${value}`,
  partitionKey: { name: "id", value },
  version,
  attributes,
});
const noWait = { attempts: 3, baseMs: 0, maxMs: 0 };

describe("domain/change-feed/writer: changes into DynamoDB, newest version wins, nothing lost silently", () => {
  it("an invocation must name a table it may write to", () => {
    expect(() => writeRequestOf({}, new Set())).to.throw(BadWriteRequest);
    expect(() => writeRequestOf({ table: "other", changes: [] }, new Set(["people"]))).to.throw(
      TableNotAllowed,
      "table other is not one this function writes to",
    );
    expect(writeRequestOf({ table: "people", changes: [] }, new Set(["people"])).table).to.equal("people");
  });

  it("items: attributes as S or B, a delete as a tombstone that expires; what cannot be carried has its reason", () => {
    expect(itemOf(change("1", 5, { name: "Ada", raw: { base64: "/w==" } }), 60, now)).to.deep.equal({
      id: { S: "1" },
      _v: { N: "5" },
      name: { S: "Ada" },
      raw: { B: Buffer.from([0xff]) },
    });
    const tombstone = itemOf(change("1", 6), 60, now) as Record<string, { N?: string; BOOL?: boolean }>;
    expect([tombstone._deleted.BOOL, Number(tombstone._expiresAt.N)]).to.deep.equal([true, Math.floor(now / 1000) + 60]);
    expect(itemOf(change("1", 5, { _v: "x" }), 60)).to.match(/collides with the item's reserved attribute/);
    expect(itemOf(change("", 5, {}), 60)).to.equal("partition key id is empty");
    expect(itemOf(change("1", 5, { big: "x".repeat(400 * 1024) }), 60)).to.match(/exceeds DynamoDB's 400 KB item limit/);
  });

  it("writes the newest snapshot of each key, conditionally on its version; an older write is skipped, throttling retried", async () => {
    const dynamo = new DynamoDBClient({ region: "us-east-1" });
    const mock = mockClient(dynamo);
    const version = now * 1000;
    mock
      .on(PutItemCommand, { Item: { id: { S: "1" }, _v: { N: String(version + 2) }, n: { S: "new" } } })
      .rejectsOnce(Object.assign(new Error("slow down"), { name: "ThrottlingException" }))
      .resolves({});
    mock
      .on(PutItemCommand, { Item: { id: { S: "2" }, _v: { N: String(version) }, n: { S: "old" } } })
      .rejects(new ConditionalCheckFailedException({ message: "newer", $metadata: {} }));
    const result = await writeChanges(
      dynamo,
      { table: "people", changes: [change("1", version + 1, { n: "mid" }), change("1", version + 2, { n: "new" }), change("2", version, { n: "old" })] },
      { retry: noWait },
    );
    expect(result).to.deep.equal({ written: 1, skipped: 2, retried: 1, rejected: [] });
    const condition = mock.commandCalls(PutItemCommand)[0].args[0].input;
    expect(condition.ConditionExpression).to.equal("attribute_not_exists(#v) OR #v < :v");
  });

  it("a version far ahead of the clock is rejected, not written (a forged _v would pin the item)", async () => {
    const dynamo = new DynamoDBClient({ region: "us-east-1" });
    const mock = mockClient(dynamo);
    const result = await writeChanges(dynamo, { table: "people", changes: [change("1", now * 1000 + maxVersionAheadMicros * 2, { n: "x" })] });
    expect(result.rejected[0].reason).to.match(/ahead of the writer's clock/);
    expect(mock.commandCalls(PutItemCommand)).to.have.length(0);
  });
});
