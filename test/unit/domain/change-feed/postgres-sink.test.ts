import { expect } from "chai";
import { postgresDialect } from "../../../../domain/change-feed/postgres-sink.js";

describe("domain/change-feed/postgres-sink: the versioned upsert and what each error means", () => {
  it("compares _v in the statement, and sorts errors by SQLSTATE", async () => {
    const dialect = postgresDialect("postgres://nobody@127.0.0.1:1/none");
    expect(dialect.upsert("people", ["id", "name", "_v", "_deleted"], 2)).to.equal(
      'INSERT INTO "people" ("id", "name", "_v", "_deleted") VALUES ($1, $2, $3, $4), ($5, $6, $7, $8) ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "_v" = EXCLUDED."_v", "_deleted" = EXCLUDED."_deleted" WHERE "people"."_v" < EXCLUDED."_v"',
    );
    expect(dialect.classify({ code: "22001" })).to.equal("row");
    expect(dialect.classify({ code: "42703" })).to.equal("permanent");
    expect(dialect.classify({ code: "55P03" })).to.equal("retry");
    expect(dialect.classify(new Error("connect ECONNREFUSED"))).to.equal("retry");
    await dialect.close();
  });
});
