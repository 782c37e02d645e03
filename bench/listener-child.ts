// One change-feed listener in a process of its own, into a null sink, on the cluster at argv[2] as
// consumer argv[3]; its health file (argv[4]) says which shards it holds and what it has seen.
import { connectRedisOrCluster } from "../domain/redis/clients.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { connectionsLike } from "../domain/change-feed/capture/connections.js";
import { ChangeFeedListener, defaultListenerConfig } from "../domain/change-feed/capture/listener.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { nullSink } from "./change-feed-rig.js";

const [url, consumer, healthFile] = process.argv.slice(2);
const client = await connectRedisOrCluster({ url, cluster: true }, { redisOptions: { maxRetriesPerRequest: null, commandTimeout: undefined } });
const config = { ...defaultListenerConfig, consumer, healthFile, rescanDeletes: false };
const listener = new ChangeFeedListener(client, connectionsLike(client), nullSink(), {}, config, memoryLogger());
await listener.start([parseMapping({ name: "people", pattern: "person:{id}", table: "people" })]);
process.on("SIGTERM", () => void listener.stop().then(() => process.exit(0)));
