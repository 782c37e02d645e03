import { expect } from "chai";
import { RedisReplyError, ReplyTooLarge, RespConnection, respSize } from "../../../../domain/redis/resp-connection.js";

describe("domain/redis/resp-connection: what a reply costs on the wire, and a connection that opens only when used", () => {
  it("a reply's size as RESP: bulk strings with their length line, arrays with their header, nil, errors", () => {
    expect(respSize(Buffer.from("hello"))).to.equal("$5\r\nhello\r\n".length);
    expect(respSize([Buffer.from("a"), null])).to.equal("*2\r\n$1\r\na\r\n$-1\r\n".length);
    expect(respSize("42")).to.equal(":42\r\n".length);
    expect(respSize(new RedisReplyError("ERR x"))).to.equal("-ERR x\r\n".length);
  });

  it("a reply past the limit is an error value of its own kind; constructing a connection opens no socket", () => {
    expect(new ReplyTooLarge("ERR reply dropped")).to.be.instanceOf(RedisReplyError);
    // The unit lane refuses sockets: this would throw if the constructor connected.
    const connection = new RespConnection({ host: "127.0.0.1", port: 6379 });
    expect(connection.options.port).to.equal(6379);
  });
});
