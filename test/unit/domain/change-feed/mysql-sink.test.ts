import { expect } from "chai";
import { mysqlDialect } from "../../../../domain/change-feed/mysql-sink.js";

describe("domain/change-feed/mysql-sink: the versioned upsert and what each error means", () => {
  it("takes each column only from a newer _v, assigning _v last; sorts errors by number", async () => {
    const dialect = mysqlDialect("mysql://nobody@127.0.0.1:1/none");
    expect(dialect.upsert("people", ["id", "name", "_v", "_deleted"], 1)).to.equal(
      "INSERT INTO `people` (`id`, `name`, `_v`, `_deleted`) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `name` = IF(VALUES(`_v`) > `_v`, VALUES(`name`), `name`), `_deleted` = IF(VALUES(`_v`) > `_v`, VALUES(`_deleted`), `_deleted`), `_v` = IF(VALUES(`_v`) > `_v`, VALUES(`_v`), `_v`)",
    );
    expect(dialect.written(2, 1)).to.equal(1);
    expect(dialect.written(0, 1)).to.equal(0);
    expect(dialect.classify({ errno: 1406 })).to.equal("row");
    expect(dialect.classify({ errno: 1146 })).to.equal("permanent");
    expect(dialect.classify({ errno: 1205 })).to.equal("retry");
    await dialect.close();
  });
});
