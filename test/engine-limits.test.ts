import { expect } from "chai";
import { connect } from "node:net";
import { defaultEngineLimits, engineDirectives } from "../domain/redis/engine-limits.js";
import { redisCommand, startRedis } from "../local/launcher/services.js";
import { eventually } from "./harness/eventually.js";

describe("the engine's own bounds (the parameter group's, on every local server)", function () {
  this.timeout(60_000);

  it("every local server runs with them: normal clients' output buffers bounded, DEL and implicit deletes freed in the background", async () => {
    const node = await startRedis();
    try {
      const config = (name: string) => redisCommand(node.url, "CONFIG", "GET", name).then((r) => String((r as string[])[1]));
      expect(await config("client-output-buffer-limit")).to.match(
        new RegExp(
          `^normal ${defaultEngineLimits.outputBufferHardBytes} ${defaultEngineLimits.outputBufferSoftBytes} ${defaultEngineLimits.outputBufferSoftSeconds} `,
        ),
      );
      expect(await config("lazyfree-lazy-user-del")).to.equal("yes");
      expect(await config("lazyfree-lazy-server-del")).to.equal("yes");
      // ElastiCache's fixed script threshold (lua-time-limit 5000): a runaway script holds the engine as long here.
      expect(await config("busy-reply-threshold")).to.equal(String(defaultEngineLimits.scriptBusyThresholdMs));
    } finally {
      await node.stop();
    }
  });

  it("a client whose replies pile up past the hard limit is dropped by the server, so Redis's memory stays bounded whatever a client asks", async () => {
    // The same directive with a small hard limit, so the test needs little memory.
    const limits = { ...defaultEngineLimits, outputBufferHardBytes: 4 << 20, outputBufferSoftBytes: 2 << 20 };
    const node = await startRedis({ config: engineDirectives(limits) });
    try {
      await redisCommand(node.url, "SET", "value", "v".repeat(1 << 20));
      await redisCommand(node.url, "CONFIG", "RESETSTAT");
      // A client that asks for 200 MB of replies and reads none of them (so it would not even see its own disconnection).
      const greedy = connect({ host: node.host, port: node.port });
      greedy.on("error", () => undefined);
      greedy.pause();
      greedy.write("*2\r\n$3\r\nGET\r\n$5\r\nvalue\r\n".repeat(200));
      const disconnections = async () =>
        Number(/client_output_buffer_limit_disconnections:(\d+)/.exec(String(await redisCommand(node.url, "INFO", "stats")))?.[1]);
      await eventually("the server to drop the greedy client", disconnections, (n) => n >= 1, 30_000, 50);
      greedy.destroy();
      const peakMb = Number(/used_memory_peak:(\d+)/.exec(String(await redisCommand(node.url, "INFO", "memory")))![1]) / 2 ** 20;
      console.log(`      the greedy client was dropped; Redis's memory peak ${peakMb.toFixed(1)} MB for 200 MB of replies asked`);
      expect(peakMb).to.be.below(40);
      expect(await redisCommand(node.url, "PING")).to.equal("PONG");
    } finally {
      await node.stop();
    }
  });
});
