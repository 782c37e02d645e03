// `make dev`: runs the local stack in the foreground, writes .dev/endpoints.json, stops everything on Ctrl-C.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { devPorts, endpointsFile, stateDir } from "./endpoints.js";
import { examples } from "./examples.js";
import { parseMappingFile } from "../../domain/change-feed/mappings.js";
import { startLocalStack } from "./stack.js";

const lockFile = join(stateDir, "dev.pid");

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

mkdirSync(stateDir, { recursive: true });
if (existsSync(lockFile)) {
  const pid = Number(readFileSync(lockFile, "utf8"));
  if (pid && pid !== process.pid && isRunning(pid)) {
    console.error(`make dev is already running (pid ${pid}); stop it with Ctrl-C in its terminal first.`);
    process.exit(1);
  }
}
writeFileSync(lockFile, String(process.pid));

const mappingFile = process.env.DEV_MAPPING_FILE ?? "local/mappings.json";
const stack = await startLocalStack({
  stateDir,
  // Stable ports, so bookmarks, .env files and the console survive a restart; DEV_PORT_BASE moves them all.
  ports: devPorts(Number(process.env.DEV_PORT_BASE ?? 7000)),
  replicas: Number(process.env.DEV_REPLICAS ?? 2),
  region: process.env.AWS_REGION ?? "us-east-1",
  keeperScheduleMs: 5_000,
  mappingFile,
  sampleUsers: Number(process.env.DEV_SAMPLE_USERS ?? 1_000),
}).catch((error) => {
  rmSync(lockFile, { force: true });
  console.error(`make dev could not start: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});

writeFileSync(endpointsFile, JSON.stringify(stack.endpoints, null, 2) + "\n");
const rows = Object.entries(stack.endpoints).map(([key, value]) => [key, Array.isArray(value) ? value.join(", ") : String(value)]);
const width = Math.max(...rows.map(([key]) => key.length));
console.log(`\nelasticache-patterns local stack (endpoints in ${endpointsFile})\n`);
for (const [key, value] of rows) console.log(`  ${key.padEnd(width)}  ${value}`);
console.log("\nTry each data path:\n");
const partitionKey = parseMappingFile(readFileSync(mappingFile, "utf8"))[0]?.partitionKey ?? "pk";
const examplesOf = examples(stack.endpoints, partitionKey);
const pathWidth = Math.max(...examplesOf.map((e) => e.path.length));
for (const { path, command } of examplesOf) console.log(`  ${path.padEnd(pathWidth)}  ${command}`);
console.log("\nCtrl-C stops every service; data in .dev/ is kept.\n");

/**
 * Ctrl-C stops within a few seconds whatever state the stack is in; a second Ctrl-C, or 8 s, exits at
 * once. A signal within a second of the first is the same keypress relayed by a wrapper, not a second one.
 */
let stoppingSince: number | undefined;
async function shutdown(signal: string) {
  if (stoppingSince !== undefined) {
    if (Date.now() - stoppingSince < 1_000) return;
    console.log(`${signal} again: exiting now.`);
    process.exit(1);
  }
  stoppingSince = Date.now();
  console.log(`\n${signal}: stopping the local stack...`);
  setTimeout(() => {
    console.error("the local stack did not stop within 8 s: exiting anyway.");
    process.exit(1);
  }, 8_000).unref();
  await stack.stop();
  rmSync(lockFile, { force: true });
  rmSync(endpointsFile, { force: true });
  console.log("The local stack stopped.");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
