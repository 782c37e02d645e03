// The listener's metric sink on EC2: each EMF document as one JSON line to the CloudWatch agent's
// TCP listener on the same host, which batches them into the metrics log group and retries. While the
// agent is away (starting, restarting), documents wait in a bounded queue, the oldest dropped first.
import { connect, type Socket } from "node:net";
import { errorMessage } from "../domain/runtime/errors.js";
import type { Logger } from "../domain/runtime/log.js";
import type { EmfDocument, EmfSink } from "../domain/runtime/metrics.js";

/** About fifteen minutes of the listener's documents at its default interval. */
const maxQueued = 1_000;

export function agentSink(address: string, logGroupName: string, log: Logger): EmfSink {
  const { hostname, port } = new URL(address);
  const queue: string[] = [];
  let socket: Socket | undefined;
  let dropped = 0;
  const drain = () => {
    if (!socket || socket.connecting || socket.destroyed) return;
    // A false write was still taken (buffered): wait for 'drain' before writing more.
    while (queue.length) if (!socket.write(queue.shift()!)) break;
  };
  const open = () => {
    socket = connect({ host: hostname, port: Number(port) });
    socket.on("connect", drain).on("drain", drain);
    socket.on("error", (error) =>
      log.warn("the CloudWatch agent is not reachable; metrics wait", { address, reason: errorMessage(error), queued: queue.length }),
    );
    socket.on("close", () => (socket = undefined));
  };
  return (document: EmfDocument) => {
    // The agent writes a document to the log group it names.
    queue.push(JSON.stringify({ ...document, _aws: { ...document._aws, LogGroupName: logGroupName } }) + "\n");
    if (queue.length > maxQueued) {
      queue.shift();
      if (dropped++ % 100 === 0) log.warn("metric documents dropped while the CloudWatch agent was away", { dropped });
    }
    if (!socket) open();
    drain();
  };
}
