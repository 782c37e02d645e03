// A local failover the way ElastiCache's TestFailover does it: promote the least-lagged replica,
// re-point the other replicas and the old primary at it, then tell the keeper.
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { readFileSync, writeFileSync } from "node:fs";
import { endpointsFile, stateDir, type Endpoints } from "./endpoints.js";
import { readKeptCredentials } from "./credentials.js";
import { localGroupId } from "../aws/replica-dns.js";
import { redisCommand } from "../launcher/services.js";

export interface FailoverResult {
  oldPrimary: string;
  newPrimary: string;
}

export async function failover(nodeUrls: string[]): Promise<FailoverResult> {
  const roles = await Promise.all(nodeUrls.map(async (url) => ({ url, role: (await redisCommand(url, "ROLE")) as unknown[] })));
  const primary = roles.find((r) => r.role[0] === "master");
  const replicas = roles.filter((r) => r.role[0] === "slave");
  if (!primary || replicas.length === 0) throw new Error("a failover needs a primary and at least one replica");
  const chosen = replicas.sort((a, b) => Number(b.role[4]) - Number(a.role[4]))[0];
  const { hostname, port } = new URL(chosen.url);
  await redisCommand(chosen.url, "REPLICAOF", "NO", "ONE");
  await Promise.all(roles.filter((r) => r !== chosen).map((r) => redisCommand(r.url, "REPLICAOF", hostname, port)));
  return { oldPrimary: primary.url, newPrimary: chosen.url };
}

export const testFailoverEvent = (groupId = localGroupId) => ({
  Records: [{ EventSource: "aws:sns", Sns: { Message: JSON.stringify({ "ElastiCache:TestFailoverApiCalled": groupId }) } }],
});

export async function notifyKeeper(lambdaEndpoint: string, region: string, accessKeyId = "local"): Promise<unknown> {
  const lambda = new LambdaClient({ endpoint: lambdaEndpoint, region, credentials: { accessKeyId, secretAccessKey: "local" } });
  const { Payload, FunctionError } = await lambda.send(
    new InvokeCommand({ FunctionName: "replica-dns-keeper", Payload: Buffer.from(JSON.stringify(testFailoverEvent())) }),
  );
  const reply = JSON.parse(Buffer.from(Payload ?? new Uint8Array()).toString("utf8") || "null") as unknown;
  if (FunctionError) throw new Error(`keeper failed: ${JSON.stringify(reply)}`);
  return reply;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const endpoints = JSON.parse(readFileSync(endpointsFile, "utf8")) as Endpoints;
  const result = await failover(endpoints.nodeUrls);
  // redisUrl (the primary endpoint) stays: it follows the new primary by itself and drops old connections.
  endpoints.replicaUrls = endpoints.nodeUrls.filter((u) => u !== result.newPrimary);
  writeFileSync(endpointsFile, JSON.stringify(endpoints, null, 2) + "\n");
  console.log(`failover: ${result.newPrimary} is the primary now (was ${result.oldPrimary}); ${endpoints.redisUrl} follows it`);
  const { lambdaAccessKeyId } = readKeptCredentials(stateDir);
  console.log("keeper:", JSON.stringify(await notifyKeeper(endpoints.lambdaEndpoint, endpoints.region, lambdaAccessKeyId)));
  console.log(`${endpoints.zoneFile}:\n${readFileSync(endpoints.zoneFile, "utf8")}`);
}
