import { expect } from "chai";
import { parseMapping } from "../../../../domain/change-feed/mappings.js";
import { parameterOf, plainJson } from "../../../../domain/change-feed/sql-destination.js";

describe("domain/change-feed/sql-destination: a mapping's SQL table and its columns", () => {
  it("reads columns as types or renames, and names what is wrong", () => {
    const m = parseMapping({
      name: "s",
      pattern: "p:{id}",
      destination: "postgres",
      table: "people",
      columns: { name: "text", firstName: { column: "first_name", type: "text" } },
    });
    expect(m.sql).to.deep.equal({
      engine: "postgres",
      table: "people",
      columns: [
        { field: "name", column: "name", type: "text" },
        { field: "firstName", column: "first_name", type: "text" },
      ],
    });
    const bad = (extra: Record<string, unknown>) => () =>
      parseMapping({ name: "s", pattern: "p:{id}", destination: "mysql", table: "people", columns: { a: "text" }, ...extra });
    expect(bad({ destination: "oracle" })).to.throw('field "destination" must be "dynamodb" (the default), "postgres" or "mysql"');
    expect(bad({ table: "drop table;" })).to.throw('field "table" must be a SQL table name');
    expect(bad({ columns: { a: "varchar" } })).to.throw('field "a": type "varchar" is not one of text, integer, numeric, boolean, json, bytes');
    expect(bad({ columns: { a: { column: "_v", type: "text" } } })).to.throw("column _v is the change feed's own");
    expect(bad({ lambda: "writer" })).to.throw('field "lambda" is for DynamoDB destinations');
    expect(() => parseMapping({ name: "d", pattern: "p:*", table: "ttt", columns: { a: "text" } })).to.throw('field "columns" is for a SQL destination');
  });

  it("turns a field's value into its column's parameter, or says why it cannot", () => {
    const column = (type: "text" | "bytes" | "json" | "boolean") => ({ field: "f", column: "c", type });
    expect(parameterOf(column("text"), "hello", "postgres")).to.equal("hello");
    expect(parameterOf(column("bytes"), { base64: "/w==" }, "postgres")).to.deep.equal(Buffer.from([0xff]));
    expect(parameterOf(column("text"), { base64: "/w==" }, "postgres")).to.deep.equal({ refused: 'field "f" is not UTF-8 text (column c is text)' });
    expect(parameterOf(column("boolean"), "true", "mysql")).to.equal(1);
    expect(parameterOf(column("text"), undefined, "mysql")).to.equal(null);
    expect(parameterOf({ field: "value", column: "value", type: "json" }, { list: ["a", { base64: "AA==" }] }, "postgres")).to.equal('["a",{"base64":"AA=="}]');
    expect(plainJson({ scored: [{ member: "m", score: "2.5" }] })).to.deep.equal([{ member: "m", score: 2.5 }]);
  });
});
