// Regenerates the static fallback command table from a real redis-server:
//   npx tsx local/generate-command-table.ts   (writes functions/shared/commands/redis-commands.json)
import { writeFileSync } from "node:fs";
import { parseCommandReply, serializeTable } from "../functions/shared/commands/command-table.js";
import { redisCommand, startRedis } from "./services.js";

const node = await startRedis();
try {
  const version = /redis_version:(\S+)/.exec(String(await redisCommand(node.url, "INFO", "server")))?.[1];
  const table = parseCommandReply((await redisCommand(node.url, "COMMAND")) as unknown[]);
  writeFileSync("functions/shared/commands/redis-commands.json", JSON.stringify({ version, commands: serializeTable(table) }) + "\n");
  console.log(`${table.size} commands and subcommands from redis-server ${version}`);
} finally {
  await node.stop();
}
