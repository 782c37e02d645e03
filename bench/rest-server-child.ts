// The REST endpoint (subscription streams included) in a process of its own, so the benchmark's
// subscribers do not share its event loop. Prints its endpoint as one JSON line, then serves until killed.
//   npx tsx bench/rest-server-child.ts <redis url> <token>
import { startRestServer } from "../local/servers/rest-server.js";
import { gatewayOn } from "../test/harness/command-gateway.js";

const [redisUrl, token] = process.argv.slice(2);
// As many streams as the benchmark opens, from one token.
const { gateway } = await gatewayOn(redisUrl, { subscriptionsPerCaller: 5_000, subscriptionsPerProcess: 5_000 });
const server = await startRestServer(gateway, { readWrite: [token], readOnly: [] });
console.log(JSON.stringify({ endpoint: server.endpoint }));
process.on("SIGTERM", () => process.exit(0));
