import { expect } from "chai";
import type { Redis } from "ioredis";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { RedisEndpoint } from "../../../../domain/redis/connector.js";
import { MassWriter } from "../../../../domain/feature-store/mass-writer.js";

/** A node's socket that answers each command it is written with `reply` (one line), and records the bytes. */
function fakeNode(reply: (command: number) => string) {
  const written: string[] = [];
  let commands = 0;
  const opened: RedisEndpoint[] = [];
  const open = async (endpoint: RedisEndpoint) => {
    opened.push(endpoint);
    const socket = Object.assign(new EventEmitter(), {
      resume: () => socket,
      end: () => {},
      write: (bytes: Uint8Array) => {
        const text = Buffer.from(bytes).toString("latin1");
        written.push(text);
        // Each command here is one RESP array: count its header lines (ids never start with '*').
        const count = text.split("\r\n").filter((line) => line.startsWith("*")).length;
        const replies = Array.from({ length: count }, () => reply(++commands)).join("");
        setImmediate(() => socket.emit("data", Buffer.from(replies, "latin1")));
        return true;
      },
    });
    return socket as unknown as Socket;
  };
  return { open, written, opened };
}

const client = { options: { host: "10.0.0.1", port: 6380, password: "p" } } as unknown as Redis;

describe("domain/feature-store/mass-writer: commands as hand-encoded RESP, one socket per primary, replies counted", () => {
  it("a ranked list is one HSET with ranks from 1; a flush resolves once every reply arrived", async () => {
    const node = fakeNode(() => ":2\r\n");
    const writer = new MassWriter(client, node.open);
    writer.addRankedHash("recs:{1}:v1", ["10", "20"]);
    writer.add("recs:{2}:v1", ["UNLINK", "recs:{2}:v1"]);
    await writer.flush();
    expect(node.written.join("")).to.equal(
      "*6\r\n$4\r\nHSET\r\n$11\r\nrecs:{1}:v1\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$2\r\n20\r\n" + "*2\r\n$6\r\nUNLINK\r\n$11\r\nrecs:{2}:v1\r\n",
    );
    expect(node.opened).to.deep.equal([{ host: "10.0.0.1", port: 6380, tls: undefined, username: undefined, password: "p", db: undefined }]);
    writer.close();
  });

  it("an error reply fails the flush, naming what Redis said", async () => {
    const node = fakeNode((n) => (n === 2 ? "-OOM command not allowed when used memory > 'maxmemory'\r\n" : ":1\r\n"));
    const writer = new MassWriter(client, node.open);
    writer.addRankedHash("recs:{1}:v1", ["10"]);
    writer.addRankedHash("recs:{2}:v1", ["11"]);
    await writer.flush().then(
      () => expect.fail("resolved"),
      (e: Error) => expect(e.message).to.match(/^Redis refused commands: OOM command not allowed/),
    );
  });
});
