// `node script-kill.mjs <config.json>`: stops a script that holds the cache busy. The cache is private
// and the listener host is the one host inside the VPC, so this program ships there, beside the
// listener but not in it, and reads the same configuration file for the address and the AUTH secret.
import { readFileSync } from "node:fs";
import { killRunningScript } from "../domain/command-gateway/script-kill.js";
import { openRespConnection } from "../domain/redis/clients.js";

const configPath = process.argv[2];
if (!configPath) {
  console.error("usage: script-kill <config.json>");
  process.exit(2);
}
const file = JSON.parse(readFileSync(configPath, "utf8")) as { redisUrl: string; redisAuthSecretArn?: string };
const connection = await openRespConnection({ url: file.redisUrl, authSecretArn: file.redisAuthSecretArn, cluster: false });
const outcome = await killRunningScript(connection);
connection.close();
console.log(`SCRIPT KILL: ${outcome.scriptKill}\nFUNCTION KILL: ${outcome.functionKill}`);
process.exit(outcome.stopped === false ? 1 : 0);
