// The change-feed listener process: `node dist/listener/index.mjs <config.json>` (systemd on EC2, `make dev` locally),
// or `... reconcile <config.json> <mapping> [--repair]`, or `... script-kill <config.json>` (the operator's way to stop
// a runaway script: the cache is private, and this host reaches it).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { readFileSync } from "node:fs";
import { writerClientConfig } from "../functions/change-feed/writer.js";
import { createLogger } from "../functions/shared/log.js";
import { connectRedisOrCluster, openRespConnection } from "../functions/shared/redis/clients.js";
import { PathMetrics, printEmf } from "../functions/shared/metrics.js";
import { driftConfigOf, listenerConfigOf, type ListenerFileConfig } from "./config.js";
import { DriftSampler } from "./drift.js";
import { agentSink } from "./emf-agent.js";
import { ChangeFeedListener } from "./listener.js";
import { connectionsLike } from "./connections.js";
import { parseMapping, parseMappingFile } from "./mappings.js";
import { reconcile } from "./reconcile.js";
import { terminalProgress } from "./reconcile-progress.js";
import { RoutingSink } from "./sinks.js";

const log = createLogger("change-feed-listener");
const subcommand = ["reconcile", "script-kill"].includes(process.argv[2]);
const [command, configPath] = subcommand ? [process.argv[2], process.argv[3]] : ["listen", process.argv[2] ?? process.env.LISTENER_CONFIG];
if (!configPath) {
  console.error("usage: listener <config.json> | listener reconcile <config.json> <mapping> [--repair] | listener script-kill <config.json>");
  process.exit(2);
}
const file = JSON.parse(readFileSync(configPath, "utf8")) as ListenerFileConfig;
// Locally the stand-ins take any credentials; in AWS the instance role provides them.
const local = file.dynamodbEndpoint ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {};
if (command === "script-kill") {
  // While a script runs the server answers BUSY to everyone; SCRIPT KILL and FUNCTION KILL are what it still takes.
  const connection = await openRespConnection({ url: file.redisUrl, authSecretArn: file.redisAuthSecretArn, cluster: false });
  const replies = await connection.send([
    ["SCRIPT", "KILL"],
    ["FUNCTION", "KILL"],
  ]);
  connection.close();
  const answers = replies.map((r) => String(r instanceof Error ? r.message : r));
  console.log(`SCRIPT KILL: ${answers[0]}\nFUNCTION KILL: ${answers[1]}`);
  // OK from either: something was stopped. NOTBUSY from both: nothing was running.
  process.exit(answers.includes("OK") ? 0 : answers.every((a) => a.startsWith("NOTBUSY")) ? 0 : 1);
}
const dynamo = new DynamoDBClient({ ...writerClientConfig, region: file.region, endpoint: file.dynamodbEndpoint, ...local });
const lambda = new LambdaClient({ region: file.region, endpoint: file.lambdaEndpoint, ...local });
// The listener never gives up on Redis: it reconnects for as long as it runs, and rescans after.
const client = await connectRedisOrCluster(
  { url: file.redisUrl, cluster: file.cluster, authSecretArn: file.redisAuthSecretArn },
  { redisOptions: { maxRetriesPerRequest: null, enableAutoPipelining: true, commandTimeout: undefined } },
);
const sink = new RoutingSink(dynamo, lambda);
const config = listenerConfigOf(file);
const mappingOptions = { allowCatchAll: config.allowCatchAllMappings };

if (command === "reconcile") {
  const name = process.argv[4];
  // The mappings hash first (it holds run-time mappings too); the mapping file when a flush wiped the hash.
  const fileMappings = file.mappingFile ? parseMappingFile(readFileSync(file.mappingFile, "utf8"), mappingOptions) : [];
  const hashMappings = Object.values(await client.hgetall("changefeed:mappings")).flatMap((raw) => {
    try {
      return [parseMapping(JSON.parse(raw), "mapping", mappingOptions)];
    } catch {
      return []; // the listener reports a bad entry; reconcile judges the good ones
    }
  });
  const mappings = [...hashMappings, ...fileMappings.filter((f) => !hashMappings.some((h) => h.name === f.name))];
  const mapping = mappings.find((m) => m.name === name);
  if (!mapping) {
    console.error(`no mapping named "${name}" in changefeed:mappings or the mapping file`);
    process.exit(2);
  }
  const progress = await terminalProgress(client, dynamo, mapping.table);
  const report = await reconcile(client, dynamo, mapping, {
    mappings,
    progress,
    repair: process.argv.includes("--repair")
      ? {
          sink,
          version: async () => {
            const [s, us] = await client.time();
            return Number(s) * 1e6 + Number(us);
          },
        }
      : undefined,
  });
  progress.stop();
  console.log(JSON.stringify(report, null, 2));
  client.disconnect();
  const differences = report.missing.length + report.stale.length + report.orphaned.length;
  // Collisions stay after a repair: two mappings write one item, and only the mappings can change that.
  process.exit(report.collisions.length > 0 || (differences > 0 && !process.argv.includes("--repair")) ? 1 : 0);
}

const mappings = file.mappingFile ? parseMappingFile(readFileSync(file.mappingFile, "utf8"), mappingOptions) : [];
const metrics = new PathMetrics("change-feed", file.metricsAgent ? agentSink(file.metricsAgent, file.metricsLogGroup ?? "changefeed-metrics", log) : printEmf);
const listener = new ChangeFeedListener(client, connectionsLike(client), sink, dynamo, config, log, metrics);
const drift = new DriftSampler(
  client,
  dynamo,
  () => listener.activeMappings,
  driftConfigOf(file),
  (r) => listener.metrics.drift(r.mapping, r.sampled, r.differing.length),
  log,
);
await listener.start(mappings);
drift.start();
log.info("listening", listener.health());
const shutdown = async () => {
  drift.stop();
  await listener.stop();
  client.disconnect();
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
