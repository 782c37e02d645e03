import { expect } from "chai";
import { itemValueOfJson, jsonType } from "../../../../../domain/change-feed/types/json.js";
import { parseMapping } from "../../../../../domain/change-feed/mappings.js";

describe("domain/change-feed/types/json: a document as native nested maps", () => {
  const mapping = parseMapping({ name: "m", pattern: "p:*", table: "ttt" });

  it("maps, lists, numbers, booleans, nulls and text, empty ones included", () => {
    const document = Buffer.from(JSON.stringify({ name: "Ada", tags: ["x", 2], ok: true, none: null, empty: {}, list: [] }));
    expect(jsonType.attributes(document, mapping)).to.deep.equal({
      value: {
        map: {
          name: "Ada",
          tags: { list: ["x", { number: "2" }] },
          ok: { bool: true },
          none: { null: true },
          empty: { map: {} },
          list: { list: [] },
        },
      },
    });
  });

  it("refuses, naming the path, a number DynamoDB cannot hold; and text that is not JSON", () => {
    expect(() => itemValueOfJson({ a: [1e308 * 10] })).to.throw("$.a[0] is a number DynamoDB cannot hold");
    expect(jsonType.attributes(Buffer.from("{oops"), mapping)).to.match(/^the JSON document cannot be carried: /);
  });
});
