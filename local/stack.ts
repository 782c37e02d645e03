// The local stack behind `make dev`: every data path on this machine, with the handlers that run in AWS.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Endpoints } from "./endpoints.js";
import { startLambdaEndpoint, type LocalFunction } from "./lambda-endpoint.js";
import { localReplicaDnsKeeper } from "./replica-dns.js";
import { startDynamo, startReplicationGroup, startS3, type Service } from "./services.js";
import { randomBytes } from "node:crypto";
import { createLogger } from "../functions/shared/log.js";
import { CommandGateway, gatewayConfigFromEnvironment } from "../functions/shared/commands/gateway.js";
import { connectRedis } from "../functions/shared/redis-client.js";
import { startCommandApiServer } from "./command-api-server.js";
import { startRestServer } from "./rest-server.js";
import { CreateBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { Readable } from "node:stream";
import { defaultLoaderConfig, RecommendationLoader } from "../functions/feature-loader/loader.js";
import { loadObjectsOfEvent } from "../functions/feature-loader/s3-event.js";
import { generateRecommendations } from "../bench/generate-recommendations.js";
import { localCredentials, localDynamo, localS3 } from "./aws-clients.js";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { readFileSync } from "node:fs";
import { writeChanges, type WriteRequest } from "../functions/change-writer/writer.js";
import { ChangeFeedListener, connectionsLike, defaultListenerConfig } from "../listener/listener.js";
import { parseMappingFile } from "../listener/mappings.js";
import { RoutingSink } from "../listener/sinks.js";
import { startFeatureServer } from "./feature-server.js";

export interface LocalStackOptions {
  /** Folder for persistent state (Redis snapshots, dynalite and s3rver data). */
  stateDir: string;
  /** Redis port shared by every node; each node has its own loopback address, as in a VPC. */
  redisPort: number;
  replicas: number;
  region: string;
  keeperScheduleMs: number;
  /** The change feed's mapping file (schema/change-feed-mapping.schema.json). */
  mappingFile: string;
  /** Users in the generated sample recommendations file (10 ranks each). */
  sampleUsers: number;
}

export interface LocalStack {
  endpoints: Endpoints;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const started: Service[] = [];
  const stop = async () => {
    // Stop in reverse order of start: data paths before the stores they write to.
    for (const service of started.reverse()) await service.stop().catch((e) => console.error(`stop failed: ${e}`));
  };
  try {
    const hosts = Array.from({ length: options.replicas + 1 }, (_, i) => `127.0.0.${i + 2}`);
    const dataDirs = hosts.map((host) => join(options.stateDir, "redis", host));
    dataDirs.forEach((dir) => mkdirSync(dir, { recursive: true }));
    const group = await startReplicationGroup({
      replicas: options.replicas,
      hosts,
      port: options.redisPort,
      dataDirs,
      config: { "notify-keyspace-events": "KEA" },
    });
    started.push(group);
    mkdirSync(join(options.stateDir, "dynamodb"), { recursive: true });
    const dynamo = await startDynamo({ path: join(options.stateDir, "dynamodb") });
    started.push(dynamo);
    mkdirSync(join(options.stateDir, "s3"), { recursive: true });
    const s3 = await startS3({ directory: join(options.stateDir, "s3") });
    started.push(s3);

    // Replica DNS keeper: roles from the nodes, records in a JSON zone file, invoked like the Lambda.
    const nodeUrls = group.nodes.map((n) => n.url);
    const zoneFile = join(options.stateDir, "zone.json");
    const keeper = localReplicaDnsKeeper(() => nodeUrls, zoneFile, createLogger("replica-dns-keeper"));
    await keeper.handle({});
    // Feature store: a bucket in s3rver whose object-created events invoke the loader, as S3 would.
    const featureBucket = "feature-store";
    const s3Client = localS3(s3.endpoint);
    started.push({ stop: async () => s3Client.destroy() });
    const featureClient = await connectRedis({ url: group.primary.url }, { enableAutoPipelining: true });
    started.push({ stop: async () => featureClient.disconnect() });
    const loader = new RecommendationLoader(featureClient, createLogger("feature-loader"), defaultLoaderConfig);
    const dynamoClient = localDynamo(dynamo.endpoint);
    started.push({ stop: async () => dynamoClient.destroy() });
    const functions: Record<string, LocalFunction> = {
      "replica-dns-keeper": (event) => keeper.handle(event),
      "feature-loader": (event) => loadObjectsOfEvent(s3Client, loader, event),
      "change-writer": (event) => writeChanges(dynamoClient, event as WriteRequest),
    };
    s3.onEvent((event) => {
      const records = (event as { Records?: { eventName?: string }[] }).Records ?? [];
      if (records.some((r) => r.eventName?.startsWith("ObjectCreated"))) void functions["feature-loader"](event).catch(() => undefined);
    });
    await s3Client.send(new CreateBucketCommand({ Bucket: featureBucket })).catch(() => undefined);
    const sampleKey = "batchpredictions.json";
    const hasSample = await s3Client.send(new HeadObjectCommand({ Bucket: featureBucket, Key: sampleKey })).then(() => true, () => false);
    if (!hasSample) {
      await new Upload({ client: s3Client, params: { Bucket: featureBucket, Key: sampleKey, Body: Readable.from(generateRecommendations({ users: options.sampleUsers, ranks: 10, format: "table" })) } }).done();
    }
    // The upload's event loads a new sample; a restart with the sample already there loads it by hand.
    if (hasSample) await functions["feature-loader"]({ bucket: featureBucket, key: sampleKey });
    const featureReader = await startFeatureServer(featureClient);
    started.push(featureReader);
    const lambda = await startLambdaEndpoint(functions);
    started.push(lambda);

    // Change feed: the listener against the local primary, delivering through the Lambda Invoke API.
    const mappings = parseMappingFile(readFileSync(options.mappingFile, "utf8"));
    for (const table of new Set(mappings.map((m) => m.table))) {
      const key = mappings.find((m) => m.table === table)!.partitionKey;
      await dynamoClient.send(new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: key, AttributeType: "S" }],
        KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      })).catch((e: Error) => {
        if (e.name !== "ResourceInUseException") throw e;
      });
    }
    const listenerClient = await connectRedis({ url: group.primary.url }, { enableAutoPipelining: true, maxRetriesPerRequest: null, commandTimeout: undefined });
    const lambdaClient = new LambdaClient({ endpoint: lambda.endpoint, region: options.region, credentials: localCredentials });
    const listener = new ChangeFeedListener(listenerClient, connectionsLike(listenerClient), new RoutingSink(dynamoClient, lambdaClient), dynamoClient,
      { ...defaultListenerConfig, consumer: "make-dev", healthFile: join(options.stateDir, "listener-health.json") }, createLogger("change-feed-listener"));
    started.push({ stop: async () => { await listener.stop(); listenerClient.disconnect(); lambdaClient.destroy(); } });
    await listener.start(mappings);
    // The EventBridge schedule's local twin: repair drift (manual edits, missed events).
    const schedule = setInterval(() => void keeper.handle({ source: "aws.events" }).catch(() => undefined), options.keeperScheduleMs);
    started.push({ stop: async () => clearInterval(schedule) });

    // Command API: the same schema and resolver as AppSync, behind a fresh API key (valid 7 days, as AppSync's default).
    const commandClient = await connectRedis({ url: group.primary.url }, { stringNumbers: true });
    started.push({ stop: async () => commandClient.disconnect() });
    const gateway = new CommandGateway(commandClient, gatewayConfigFromEnvironment(process.env));
    const apiKey = `da2-${randomBytes(13).toString("hex")}`;
    const commandApi = await startCommandApiServer(gateway, [{ key: apiKey, expires: Math.floor(Date.now() / 1000) + 7 * 86_400 }]);
    started.push(commandApi);
    // Upstash-compatible REST API on the same command core, with a read-write and a read-only token.
    const restToken = randomBytes(24).toString("base64url");
    const restReadOnlyToken = randomBytes(24).toString("base64url");
    const rest = await startRestServer(gateway, { readWrite: [restToken], readOnly: [restReadOnlyToken] });
    started.push(rest);

    const endpoints: Endpoints = {
      redisUrl: group.primary.url,
      replicaUrls: group.replicas.map((r) => r.url),
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      region: options.region,
      lambdaEndpoint: lambda.endpoint,
      zoneFile,
      graphqlUrl: commandApi.graphqlUrl,
      apiKey,
      consoleUrl: commandApi.consoleUrl,
      restUrl: rest.endpoint,
      restToken,
      restReadOnlyToken,
      featureUrl: featureReader.endpoint,
      featureBucket,
      changeTable: mappings[0]?.table,
    };
    return { endpoints, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
