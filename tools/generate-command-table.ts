// Regenerates the static fallback command table from a real redis-server:
//   npx tsx tools/generate-command-table.ts   (writes functions/command-gateway/redis-commands.json)
import { writeFileSync } from "node:fs";
import { parseCommandReply, serializeTable } from "../functions/command-gateway/command-table.js";
import { redisCommand, startRedis } from "../local/services.js";

const node = await startRedis();
try {
  const version = /redis_version:(\S+)/.exec(String(await redisCommand(node.url, "INFO", "server")))?.[1];
  const table = parseCommandReply((await redisCommand(node.url, "COMMAND")) as unknown[]);
  writeFileSync("functions/command-gateway/redis-commands.json", JSON.stringify({ version, commands: serializeTable(table) }) + "\n");
  console.log(`${table.size} commands and subcommands from redis-server ${version}`);
} finally {
  await node.stop();
}
