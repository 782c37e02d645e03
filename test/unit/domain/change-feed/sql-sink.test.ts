import { expect } from "chai";
import { parseMapping } from "../../../../domain/change-feed/mappings.js";
import { SqlSink, type SqlDialect } from "../../../../domain/change-feed/sql-sink.js";
import { SinkFailed } from "../../../../domain/change-feed/errors.js";

/** A dialect whose server refuses the rows `refuse` names (a `row` error), or fails as `outage` says. */
function fakeDialect(options: { refuse?: string[]; outage?: number; columns?: string[] } = {}) {
  const statements: string[] = [];
  let outages = options.outage ?? 0;
  const dialect: SqlDialect = {
    engine: "postgres",
    quote: (n) => `"${n}"`,
    upsert: (table, columns, rows) => `UPSERT ${table} ${columns.join(",")} x${rows}`,
    written: (reported) => reported,
    columns: async () => options.columns,
    rows: async () => [],
    transaction: async (run) =>
      run({
        execute: async (sql, params) => {
          statements.push(sql);
          if (sql.startsWith("UPSERT") && outages > 0 && outages--) throw Object.assign(new Error("connection lost"), { code: "08006" });
          if (sql.startsWith("UPSERT") && params.some((p) => options.refuse?.includes(String(p))))
            throw Object.assign(new Error("value too long"), { code: "22001" });
          return sql.startsWith("UPSERT") ? params.length / 5 : 0;
        },
      }),
    classify: (error) =>
      String((error as { code?: string }).code).startsWith("22") ? "row" : String((error as { code?: string }).code).startsWith("08") ? "retry" : "permanent",
    close: async () => {},
  };
  return { dialect, statements };
}

const mapping = parseMapping({ name: "s", pattern: "p:{id}", destination: "postgres", table: "people", columns: { a: "text", b: "text" } });
const change = (id: string, a: string) => ({ key: `p:${id}`, partitionKey: { name: "id", value: id }, version: Date.now() * 1000, attributes: { a, b: "x" } });

describe("domain/change-feed/sql-sink: one transaction per delivery, row by row only when a row is refused", () => {
  it("writes a delivery as one upsert; a refused row is dead-lettered and the rest written under savepoints", async () => {
    const { dialect, statements } = fakeDialect({ refuse: ["bad"] });
    const result = await new SqlSink(dialect).write(mapping, [change("1", "ok"), change("2", "bad"), change("3", "ok")]);
    expect(result.written).to.equal(2);
    expect(result.rejected).to.deep.equal([{ key: "p:2", reason: "the database refused the row: value too long" }]);
    expect(statements[0]).to.equal("UPSERT people id,a,b,_v,_deleted x3");
    expect(statements.filter((s) => s === "ROLLBACK TO SAVEPOINT feed_row")).to.have.length(1);
  });

  it("retries an outage, and says a permanent failure is one", async () => {
    const { dialect } = fakeDialect({ outage: 1 });
    expect(await new SqlSink(dialect, { attempts: 3, baseMs: 1, maxMs: 1 }).write(mapping, [change("1", "ok")])).to.include({ written: 1, retried: 1 });
    const down = fakeDialect({ outage: 10 });
    const failed = await new SqlSink(down.dialect, { attempts: 2, baseMs: 1, maxMs: 1 }).write(mapping, [change("1", "ok")]).catch((e: SinkFailed) => e);
    expect(failed).to.be.instanceOf(SinkFailed);
    expect((failed as SinkFailed).retryable).to.equal(true);
  });

  it("checks the table's columns when the mapping loads, naming the missing ones", async () => {
    expect(await new SqlSink(fakeDialect({ columns: ["id", "a", "_v"] }).dialect).check(mapping)).to.equal('postgres table "people" has no column b, _deleted');
    expect(await new SqlSink(fakeDialect({}).dialect).check(mapping)).to.equal('postgres table "people" does not exist');
  });
});
