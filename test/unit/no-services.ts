// The unit lane starts no service and reaches none: a test that opens a socket or listens fails at once.
import { Server, Socket } from "node:net";

const refuse = (what: string) =>
  function (): never {
    throw new Error(`unit tests start no services: ${what} (put this test beside the integration suites in test/)`);
  };
Socket.prototype.connect = refuse("a socket was opened") as typeof Socket.prototype.connect;
Server.prototype.listen = refuse("a server was started") as typeof Server.prototype.listen;
