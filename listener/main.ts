// The change-feed listener: `node index.mjs <config.json>` (systemd on EC2, `make dev` locally). Its
// operator commands ship beside it as programs of their own: reconcile.mjs, and the gateway's script-kill.mjs.
import { PathMetrics, printEmf } from "../domain/runtime/metrics.js";
import { createLogger } from "../domain/runtime/log.js";
import { DriftSampler } from "../domain/change-feed/drift.js";
import { ChangeFeedListener } from "../domain/change-feed/capture/listener.js";
import { connectionsLike } from "../domain/change-feed/capture/connections.js";
import { driftConfigOf, listenerConfigOf } from "./config.js";
import { agentSink } from "./emf-agent.js";
import { fileMappingsOf, openHostClients, readConfigFile } from "./host.js";

const log = createLogger("change-feed-listener");
const file = readConfigFile(process.argv[2] ?? process.env.LISTENER_CONFIG, "listener <config.json>");
const { client, dynamo, sink, sql } = await openHostClients(file);
const config = listenerConfigOf(file);
const mappings = fileMappingsOf(file, { allowCatchAll: config.allowCatchAllMappings });
const metrics = new PathMetrics("change-feed", file.metricsAgent ? agentSink(file.metricsAgent, file.metricsLogGroup ?? "changefeed-metrics", log) : printEmf);
const listener = new ChangeFeedListener(client, connectionsLike(client), sink, { dynamo, sql }, config, log, metrics);
const drift = new DriftSampler(
  client,
  { dynamo, sql },
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
