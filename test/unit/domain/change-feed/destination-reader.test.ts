import { expect } from "chai";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { parseMapping } from "../../../../domain/change-feed/mappings.js";
import { readerOf, sharingEntries } from "../../../../domain/change-feed/destination-reader.js";
import { DynamoReader } from "../../../../domain/change-feed/dynamo-reader.js";
import { SqlReader } from "../../../../domain/change-feed/sql-reader.js";
import { sqlTable } from "./sql-table.js";

const dynamoPeople = parseMapping({ name: "people", pattern: "person:{id}", table: "people", partitionKey: "id" });
const pgPeople = parseMapping({ name: "pg", pattern: "person:{id}", destination: "postgres", table: "people", columns: { name: "text" } });
const pgMembers = parseMapping({ name: "members", pattern: "member:{id}", destination: "postgres", table: "people", columns: { name: "text" } });
const myPeople = parseMapping({ name: "my", pattern: "person:{id}", destination: "mysql", table: "people", columns: { name: "text" } });

describe("domain/change-feed/destination-reader: one reader per kind of destination", () => {
  it("picks the mapping's destination's reader, and names the connection it lacks", () => {
    expect(readerOf(dynamoPeople, { dynamo: new DynamoDBClient({ region: "us-east-1" }) })).to.be.instanceOf(DynamoReader);
    expect(readerOf(pgPeople, { sql: { postgres: sqlTable([]).dialect } })).to.be.instanceOf(SqlReader);
    expect(() => readerOf(myPeople, { sql: { postgres: sqlTable([]).dialect } })).to.throw("mapping my writes to mysql, but no mysql connection was given");
    expect(() => readerOf(dynamoPeople, {})).to.throw("mapping people writes to DynamoDB, but no DynamoDB client was given");
  });

  it("mappings share entries only on the same table of the same destination, by the same key column", () => {
    expect(sharingEntries(pgPeople, [dynamoPeople, pgPeople, pgMembers, myPeople]).map((m) => m.name)).to.deep.equal(["members"]);
  });
});
