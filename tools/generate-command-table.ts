// Regenerates the static fallback command table from a real server (valkey-server when installed):
//   npx tsx tools/generate-command-table.ts   (writes domain/command-gateway/redis-commands.json)
// The gateway reads the live server's COMMAND and COMMAND DOCS first; this file is used only when the
// server will not say (and its grammars until the live docs arrive), and it names the engine and version it came from.
import { writeFileSync } from "node:fs";
import { docsByName, engineOfInfo, parseCommandReply, serializeTable, withDocs, type ShippedTable } from "../domain/command-gateway/command-table.js";
import { redisCommand, startRedis } from "../local/launcher/services.js";

const node = await startRedis();
try {
  const { engine, version } = engineOfInfo(String(await redisCommand(node.url, "INFO", "server")));
  const docs = docsByName(await redisCommand(node.url, "COMMAND", "DOCS"));
  const table = withDocs(parseCommandReply((await redisCommand(node.url, "COMMAND")) as unknown[]), docs);
  const shipped: ShippedTable = { engine, version, commands: serializeTable(table) };
  writeFileSync("domain/command-gateway/redis-commands.json", JSON.stringify(shipped) + "\n");
  console.log(`${table.size} commands and subcommands (${[...table.values()].filter((s) => s.doc).length} with their grammar) from ${engine} ${version}`);
} finally {
  await node.stop();
}
