// MONITOR on a raw socket: each command a node executes, as its arguments. ioredis's monitor() can
// parse a monitor line that arrives in the same chunk as MONITOR's +OK before it has switched the
// connection to monitor mode ("Command queue state error"); here the reply and the lines are one stream.
import { connect } from "node:net";

/** Reads one monitor line's quoted arguments: `+1700000000.1 [0 127.0.0.1:5] "XADD" "k" "a\"b"` -> ["XADD", "k", "a\"b"]. */
export function monitorArguments(line: string): string[] {
  const args: string[] = [];
  const quoted = /"((?:[^"\\]|\\.)*)"/g;
  for (const [, body] of line.slice(line.indexOf("]") + 1).matchAll(quoted)) {
    args.push(
      body.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, escape: string) =>
        escape.startsWith("x") && escape.length === 3
          ? String.fromCharCode(parseInt(escape.slice(1), 16))
          : ({ n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b" }[escape] ?? escape),
      ),
    );
  }
  return args;
}

/** Calls `onCommand` with each command the node at `url` executes from the moment this resolves (MONITOR's +OK read). */
export async function monitorCommands(url: string, onCommand: (args: string[]) => void): Promise<{ stop(): void }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.setEncoding("utf8");
  let buffer = "";
  let confirmed: () => void;
  const started = new Promise<void>((resolve) => (confirmed = resolve));
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (line === "+OK") confirmed();
      else if (line.startsWith("+")) onCommand(monitorArguments(line));
    }
  });
  socket.write("MONITOR\r\n");
  await Promise.race([started, new Promise((_, reject) => socket.once("error", reject))]);
  return { stop: () => socket.destroy() };
}
