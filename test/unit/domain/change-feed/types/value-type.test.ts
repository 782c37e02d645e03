import { expect } from "chai";
import { typeNames, valueTypeOf } from "../../../../../domain/change-feed/types/value-type.js";

describe("domain/change-feed/types/value-type: one strategy per data type, by the engine's TYPE name", () => {
  it("knows every type the feed carries or refuses by name, and none it does not", () => {
    expect(typeNames).to.deep.equal(["hash", "string", "list", "set", "zset", "ReJSON-RL", "stream"]);
    expect(valueTypeOf("zset")?.read?.size).to.deep.equal({ command: "ZCARD", unit: "elements" });
    expect(valueTypeOf("string")?.read?.size).to.deep.equal({ command: "STRLEN", unit: "bytes" });
    expect(valueTypeOf("stream")?.read).to.equal(undefined);
    expect(valueTypeOf("TSDB-TYPE")).to.equal(undefined);
  });
});
