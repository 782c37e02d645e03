import { expect } from "chai";
import { createConnection, createServer } from "node:net";

describe("the unit lane starts and reaches no service", () => {
  it("refuses to listen and to connect", () => {
    expect(() => createServer().listen(0)).to.throw(/unit tests start no services: a server was started/);
    expect(() => createConnection({ port: 6379 })).to.throw(/unit tests start no services: a socket was opened/);
  });
});
