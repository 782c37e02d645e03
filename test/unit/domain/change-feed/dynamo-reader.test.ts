import { expect } from "chai";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { parseMapping } from "../../../../domain/change-feed/mappings.js";
import { DynamoReader, expectedAttributes, sameAttributes } from "../../../../domain/change-feed/dynamo-reader.js";

describe("domain/change-feed/dynamo-reader: a key against its item, as the writer would have written it", () => {
  const plain = parseMapping({ name: "people", pattern: "person:*", table: "people" });
  const envelope = parseMapping({ name: "docs", pattern: "doc:*", table: "docs", format: "envelope" });

  it("the expected attributes are the hash's fields, or the envelope the original design writes", () => {
    const hash = (key: string, ...flat: (string | Buffer)[]) => ({ key, version: 0, type: "hash", value: flat.map((b) => Buffer.from(b)) });
    expect(expectedAttributes(plain, hash("person:1", "name", "Ada"))).to.deep.equal({ name: "Ada" });
    expect(expectedAttributes(envelope, hash("doc:1", "a", "1"))).to.deep.equal({ obj_name: "doc:1", body: '{"a":"1"}' });
    expect(expectedAttributes(plain, hash("person:1", Buffer.from([0xff]), "x"))).to.deep.equal({});
    // Another type: its `value`, in the shape its type gives it.
    expect(expectedAttributes(plain, { key: "person:2", version: 0, type: "list", value: [Buffer.from("a"), Buffer.from("b")] })).to.deep.equal({
      value: { list: ["a", "b"] },
    });
  });

  it("an item matches when it carries exactly those attributes (its key and the writer's own aside), binary included", () => {
    const item = { id: { S: "1" }, _v: { N: "5" }, name: { S: "Ada" }, raw: { B: Buffer.from([0xff]) } };
    expect(sameAttributes({ name: "Ada", raw: { base64: "/w==" } }, item, plain)).to.equal(true);
    expect(sameAttributes({ name: "Ada" }, item, plain)).to.equal(false);
    expect(sameAttributes({ name: "Bob", raw: { base64: "/w==" } }, item, plain)).to.equal(false);
  });

  it("reads the table page by page (LastEvaluatedKey), live items only", async () => {
    const dynamo = new DynamoDBClient({ region: "us-east-1" });
    const mock = mockClient(dynamo);
    mock
      .on(ScanCommand)
      .resolvesOnce({ Items: [{ id: { S: "person:1" } }], LastEvaluatedKey: { id: { S: "person:1" } } })
      .resolvesOnce({ Items: [{ id: { S: "person:2" }, _deleted: { BOOL: true } }, { id: { S: "person:3" } }] });
    const pages = [];
    for await (const page of new DynamoReader(plain, dynamo).pages()) pages.push([...page.keys()]);
    expect(pages).to.deep.equal([["person:1"], ["person:3"]]);
    expect(mock.commandCalls(ScanCommand)[1].args[0].input.ExclusiveStartKey).to.deep.equal({ id: { S: "person:1" } });
  });
});
