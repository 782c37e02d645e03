// `node reconcile.mjs <config.json> <mapping> [--repair]`: compares one mapping's hashes with its table
// and prints the report; exit 1 while they differ (or two mappings write one item), 0 once they agree.
import { readMappingsHash } from "../domain/change-feed/mapping-source.js";
import { reconcile } from "../domain/change-feed/reconcile.js";
import { listenerConfigOf } from "./config.js";
import { fileMappingsOf, openHostClients, readConfigFile } from "./host.js";
import { terminalProgress } from "./reconcile-progress.js";

const [configPath, name] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const repair = process.argv.includes("--repair");
const file = readConfigFile(name ? configPath : undefined, "reconcile <config.json> <mapping> [--repair]");
const { client, dynamo, sink, sql } = await openHostClients(file);
const { mappingsKey, allowCatchAllMappings, maxCollectionElements } = listenerConfigOf(file);
const options = { allowCatchAll: allowCatchAllMappings };
// The mappings hash first (it holds run-time mappings too; the listener reports a bad entry, reconcile
// judges the good ones); the mapping file when a flush wiped the hash.
const fromHash = await readMappingsHash(client, mappingsKey, options).then(
  (read) => read.mappings,
  (error: Error) => {
    console.error(`cannot read ${mappingsKey}: ${error.message}`);
    process.exit(2);
  },
);
const mappings = [...fromHash, ...fileMappingsOf(file, options).filter((f) => !fromHash.some((h) => h.name === f.name))];
const mapping = mappings.find((m) => m.name === name);
if (!mapping) {
  console.error(`no mapping named "${name}" in ${mappingsKey} or the mapping file`);
  process.exit(2);
}
const progress = await terminalProgress(client, dynamo, mapping.table);
const version = async () => {
  const [s, us] = await client.time();
  return Number(s) * 1e6 + Number(us);
};
const report = await reconcile(client, dynamo, mapping, {
  mappings,
  progress,
  repair: repair ? { sink, version } : undefined,
  maxElements: maxCollectionElements,
  sql,
});
progress.stop();
console.log(JSON.stringify(report, null, 2));
client.disconnect();
const differences = report.missing.length + report.stale.length + report.orphaned.length;
// Collisions stay after a repair: two mappings write one item, and only the mappings can change that.
process.exit(report.collisions.length > 0 || (differences > 0 && !repair) ? 1 : 0);
