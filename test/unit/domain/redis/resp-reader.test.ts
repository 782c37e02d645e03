import { expect } from "chai";
import { RedisReplyError, RedisUnavailable } from "../../../../domain/redis/connector.js";
import { RespReader, type RespReply } from "../../../../domain/redis/resp-reader.js";

const readAll = (chunks: string[], allowance = Infinity) => {
  const replies: [RespReply | undefined, number][] = [];
  const reader = new RespReader(
    () => allowance,
    (reply, bytes) => replies.push([reply, bytes]),
  );
  for (const chunk of chunks) reader.feed(Buffer.from(chunk, "latin1"));
  return replies;
};

describe("domain/redis/resp-reader: RESP2 read incrementally, with each reply's size on the wire", () => {
  it("status and bulk strings as Buffers, integers as strings, nil as null, errors as values, nested arrays", () => {
    const [[status], [integer], [bulk], [nil], [error], [array]] = readAll([
      "+OK\r\n:9007199254740993\r\n$2\r\nhi\r\n$-1\r\n-ERR no\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n",
    ]);
    expect(String(status)).to.equal("OK");
    expect(integer).to.equal("9007199254740993");
    expect(String(bulk)).to.equal("hi");
    expect(nil).to.equal(null);
    expect(error).to.be.instanceOf(RedisReplyError);
    expect((error as Error).message).to.equal("ERR no");
    expect(JSON.stringify((array as RespReply[]).map((a) => (Array.isArray(a) ? a : String(a))))).to.equal('[["1"],""]');
  });

  it("a reply split anywhere across chunks reads the same, and its size counts every byte", () => {
    const wire = "*2\r\n$5\r\nhello\r\n:42\r\n";
    const whole = readAll([wire]);
    const split = readAll(wire.split(""));
    expect(split).to.have.length(1);
    expect(split[0][1]).to.equal(wire.length);
    expect(JSON.stringify(split)).to.equal(JSON.stringify(whole));
  });

  it("a reply past the allowance is skipped (undefined) but still counted, and the next one reads", () => {
    const replies = readAll(["$10\r\n0123456789\r\n+NEXT\r\n"], 8);
    expect(replies[0]).to.deep.equal([undefined, 17]);
    expect(String(replies[1][0])).to.equal("NEXT");
  });

  it("what is not RESP stops the connection with RedisUnavailable", () => {
    expect(() => readAll(["?what\r\n"])).to.throw(RedisUnavailable);
    expect(() => readAll(["$" + "9".repeat(70 * 1024)])).to.throw(RedisUnavailable, "a length line longer than 64 KiB");
  });

  it("an error line of any length (one that echoes a 300 KB argument) is read whole within the allowance, skipped past it, and the next reply reads", () => {
    const echo = "-ERR no such key or group '" + "g".repeat(300 * 1024) + "'\r\n";
    // Split in 1 KiB chunks, with a chunk ending on the CR of the line's CRLF.
    const chunks = (echo + "+NEXT\r\n").match(/[\s\S]{1,1024}/g)!;
    const cr = echo.length - 1;
    const split = [...chunks.slice(0, Math.floor(cr / 1024)), echo.slice(Math.floor(cr / 1024) * 1024, cr), "\n+NEXT\r\n"];
    for (const feed of [chunks, split]) {
      const within = readAll(feed, 1 << 20);
      expect((within[0][0] as Error).message).to.have.length(echo.length - 3);
      expect(within[0][1]).to.equal(echo.length);
      expect(String(within[1][0])).to.equal("NEXT");
      const past = readAll(feed, 64 * 1024);
      expect(past[0]).to.deep.equal([undefined, echo.length]);
      expect(String(past[1][0])).to.equal("NEXT");
    }
  });
});
