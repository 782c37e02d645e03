// The local stack behind `make dev`: every data path on this machine, with the handlers that run in AWS.
// One function per data path; `startLocalStack` composes them and collects their endpoints.
import { startSqlDestinations } from "./sql-destinations.js";
import { keyspaceEventsNeeded } from "../../domain/change-feed/capture/subscriptions.js";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { generateRecommendations } from "./sample-recommendations.js";
import { featureLoaderConfig } from "../../functions/feature-loader/config.js";
import { RecommendationLoader } from "../../domain/feature-store/loader.js";
import { currentVersionKey } from "../../domain/feature-store/keys.js";
import { loadObjectsOfEvent } from "../../domain/feature-store/s3-event.js";
import { CommandGateway } from "../../domain/command-gateway/gateway.js";
import { commandApiConfig } from "../../functions/command-api/config.js";
import { scheduledInvocation } from "../../domain/replica-dns/events.js";
import { createLogger } from "../../domain/runtime/log.js";
import { connectRedisOrCluster, openRespConnection } from "../../domain/redis/clients.js";
import { parseMappingFile } from "../../domain/change-feed/mappings.js";
import { localDynamo, localS3 } from "../aws/aws-clients.js";
import { startCommandApiServer } from "../servers/command-api-server.js";
import type { DevPorts, Endpoints } from "./endpoints.js";
import { keptCredentials, localKeyPrefixes, type LocalCredentials } from "./credentials.js";
import { applyEngineUsers, localUsers, urlAs, type LocalEngineUsers } from "./engine-users.js";
import { startFeatureServer } from "../servers/feature-server.js";
import { startLambdaEndpoint, type LocalFunction } from "../aws/lambda-endpoint.js";
import { keeperFunction, localReplicaDnsKeeper } from "../aws/replica-dns.js";
import { startRestServer } from "../servers/rest-server.js";
import { sleep } from "../../domain/runtime/retry.js";
import { readEnvironment } from "../../domain/runtime/env.js";
import { readGatewaySettings } from "../../domain/command-gateway/settings.js";
import { startPrimaryEndpoint } from "../aws/primary-endpoint.js";
import { registerChangeWriter, startChangeFeed } from "./change-feed.js";
import { MetricRegistry } from "../aws/metric-registry.js";
import { startDynamo, startReplicationGroup, startS3, type S3Service, type Service } from "../launcher/services.js";

export interface LocalStackOptions {
  /** Folder for persistent state (Redis snapshots, dynalite and s3rver data). */
  stateDir: string;
  /** Stable ports (local/dev/endpoints.ts `devPorts`); Redis's is shared by every node, each on its own loopback address, as in a VPC. */
  ports: DevPorts;
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

/** What the data paths share: the stores, the Lambda functions map, and the list of things to stop. */
export interface Shared {
  options: LocalStackOptions;
  /** The primary endpoint (local/aws/primary-endpoint.ts): stable across failovers, as ElastiCache's. */
  primaryUrl: string;
  nodeUrls: string[];
  dynamo: DynamoDBClient;
  dynamodbEndpoint: string;
  s3: S3Service;
  s3Client: S3Client;
  functions: Record<string, LocalFunction>;
  started: Service[];
  /** Every client's engine user, as in AWS (local/dev/engine-users.ts). */
  users: LocalEngineUsers;
  credentials: LocalCredentials;
  /** KEY_PREFIXES: the developer's own and the tenant examples. */
  keyPrefixes: Record<string, string>;
  /** Every path's metrics, as CloudWatch would hold them (the status page and /metrics read it). */
  registry: MetricRegistry;
  listenerHealthFile: string;
}

/**
 * A function's environment as the infrastructure would set it, pointed at the local primary; the
 * developer's own environment comes first, so `MAX_COMMANDS=10 make dev` works as in AWS.
 */
const functionEnvironment = (shared: Shared, extra: Record<string, string> = {}) => ({ ...process.env, REDIS_URL: shared.primaryUrl, ...extra });

/** Replica DNS keeper: roles from the nodes, records in a JSON zone file, and the schedule's local twin. */
async function startReplicaDns(shared: Shared) {
  const zoneFile = join(shared.options.stateDir, "zone.json");
  const keeper = localReplicaDnsKeeper(() => shared.nodeUrls, zoneFile, createLogger("replica-dns-keeper"), shared.registry.metricsFor("replica-dns"));
  await keeper.handle(scheduledInvocation);
  shared.functions["replica-dns-keeper"] = keeperFunction(keeper);
  const schedule = setInterval(() => void keeper.handle(scheduledInvocation).catch(() => undefined), shared.options.keeperScheduleMs);
  shared.started.push({ stop: async () => clearInterval(schedule) });
  return { zoneFile };
}

/** Feature store: a bucket whose object-created events invoke the loader (as S3 would), a sample file, the reader. */
async function startFeatureStore(shared: Shared) {
  const featureBucket = "feature-store";
  const config = featureLoaderConfig(functionEnvironment(shared, { REDIS_URL: urlAs(shared.primaryUrl, shared.users.loader) }));
  const client = await connectRedisOrCluster(config.redis);
  const readerClient = await connectRedisOrCluster({ url: urlAs(shared.primaryUrl, shared.users.reader) });
  shared.started.push({ stop: async () => void [client, readerClient].forEach((c) => c.disconnect()) });
  // The loader flushes its own metrics as it goes (its progress), as in AWS.
  const loader = new RecommendationLoader(
    client,
    createLogger("feature-loader"),
    config.loader,
    shared.registry.metricsFor("feature-store", { flushedHere: false }),
  );
  const load: LocalFunction = (event) => loadObjectsOfEvent(shared.s3Client, loader, event);
  shared.functions["feature-loader"] = load;
  shared.s3.onEvent((event) => {
    const records = (event as { Records?: { eventName?: string }[] }).Records ?? [];
    if (records.some((r) => r.eventName?.startsWith("ObjectCreated"))) void load(event).catch(() => undefined);
  });
  await shared.s3Client.send(new CreateBucketCommand({ Bucket: featureBucket })).catch(() => undefined);
  // The sample goes only into an empty store: a restart never loads it over what the developer uploaded.
  if ((await client.get(currentVersionKey)) === null) await loadSample(shared, featureBucket, load);
  const reader = await startFeatureServer(readerClient, { port: shared.options.ports.feature, metrics: shared.registry.metricsFor("feature-store") });
  shared.started.push(reader);
  return { featureUrl: reader.endpoint, featureBucket };
}

/** Loads the bundled sample file: by hand when it is in the bucket already, else by uploading it (its event loads it). */
async function loadSample(shared: Shared, featureBucket: string, load: LocalFunction): Promise<void> {
  const sampleKey = "batchpredictions.json";
  const hasSample = await shared.s3Client.send(new HeadObjectCommand({ Bucket: featureBucket, Key: sampleKey })).then(
    () => true,
    () => false,
  );
  if (hasSample) {
    await load({ bucket: featureBucket, key: sampleKey });
  } else {
    const body = Readable.from(generateRecommendations({ users: shared.options.sampleUsers, ranks: 10, format: "table" }));
    await new Upload({ client: shared.s3Client, params: { Bucket: featureBucket, Key: sampleKey, Body: body } }).done();
  }
}

/** Command API (GraphQL, same schema and resolver as AppSync) and the Upstash-compatible REST API, on one core. */
async function startCommandApis(shared: Shared) {
  const { credentials } = shared;
  const config = commandApiConfig(functionEnvironment(shared, { KEY_PREFIXES: JSON.stringify(shared.keyPrefixes) }));
  // As in AWS: the gateway's own connection as its read user, each scope's commands as that scope's user.
  const connection = await openRespConnection(config.redis, shared.users.gateway.read);
  const gateway = new CommandGateway(connection, config.gateway, { engineUsers: shared.users.gateway, metrics: shared.registry.metricsFor("command-gateway") });
  shared.started.push({ stop: async () => gateway.connections.close() });
  // API keys valid 7 days from this start (AppSync's default); the console page is served with the first.
  const expires = Math.floor(Date.now() / 1000) + 7 * 86_400;
  const keys = [credentials.apiKey, credentials.tenantApiKey].map((key) => ({ key, expires }));
  const tokens = { readWrite: [credentials.restToken, credentials.tenantRestToken], readOnly: [credentials.restReadOnlyToken] };
  const rest = await startRestServer(gateway, tokens, { port: shared.options.ports.rest });
  shared.started.push(rest);
  const graphql = await startCommandApiServer(gateway, keys, {
    port: shared.options.ports.graphql,
    consoleKey: credentials.apiKey,
    consoleStreams: { url: rest.endpoint, token: credentials.restToken },
    status: { registry: shared.registry, healthFile: shared.listenerHealthFile, nodeUrls: () => shared.nodeUrls },
  });
  shared.started.push(graphql);
  const { apiKey, restToken, restReadOnlyToken, tenantApiKey, tenantRestToken, tenantKeyPrefix } = credentials;
  return {
    graphqlUrl: graphql.graphqlUrl,
    consoleUrl: graphql.consoleUrl,
    statusUrl: `${graphql.endpoint}/status`,
    metricsUrl: `${graphql.endpoint}/metrics`,
    restUrl: rest.endpoint,
    apiKey,
    restToken,
    restReadOnlyToken,
    tenantApiKey,
    tenantRestToken,
    tenantKeyPrefix,
  };
}

/** Data paths first, all at once, then the stores they write to (the first `stores` started). */
async function stopAll(started: Service[], stores: number): Promise<void> {
  // None may take more than 3 s, so a stack with a node down, a sink gone or a load in flight still stops within seconds.
  const bounded = (service: Service) =>
    Promise.race([
      service.stop().catch((e) => console.error(`stop failed: ${e}`)),
      sleep(3_000).then(() => console.error("a service did not stop within 3 s")),
    ]);
  await Promise.all(started.slice(stores).map(bounded));
  await Promise.all(started.slice(0, stores).map(bounded));
}

/** The stores: the replication group behind its primary endpoint, DynamoDB and S3, each in the state folder. */
async function startStores(options: LocalStackOptions, started: Service[]) {
  const hosts = Array.from({ length: options.replicas + 1 }, (_, i) => `127.0.0.${i + 2}`);
  const dataDirs = hosts.map((host) => join(options.stateDir, "redis", host));
  dataDirs.forEach((dir) => mkdirSync(dir, { recursive: true }));
  const group = await startReplicationGroup({
    replicas: options.replicas,
    hosts,
    port: options.ports.redis,
    dataDirs,
    config: { "notify-keyspace-events": keyspaceEventsNeeded },
  });
  started.push(group);
  const nodeUrls = group.nodes.map((n) => n.url);
  const primaryEndpoint = await startPrimaryEndpoint(nodeUrls, { port: options.ports.redis });
  started.push(primaryEndpoint);
  mkdirSync(join(options.stateDir, "dynamodb"), { recursive: true });
  const dynamoService = await startDynamo({ path: join(options.stateDir, "dynamodb"), port: options.ports.dynamodb });
  started.push(dynamoService);
  mkdirSync(join(options.stateDir, "s3"), { recursive: true });
  const s3 = await startS3({ directory: join(options.stateDir, "s3"), port: options.ports.s3 });
  started.push(s3);
  return { group, nodeUrls, primaryEndpoint, dynamoService, s3 };
}

/** What every data path shares: the stores' clients, the engine users and credentials, the metric registry. */
async function sharedOf(options: LocalStackOptions, stores: Awaited<ReturnType<typeof startStores>>, started: Service[]): Promise<Shared> {
  const dynamo = localDynamo(stores.dynamoService.endpoint);
  const s3Client = localS3(stores.s3.endpoint);
  started.push({
    stop: async () => {
      dynamo.destroy();
      s3Client.destroy();
    },
  });
  const keyPrefixes = localKeyPrefixes(process.env.KEY_PREFIXES);
  const { allowScripts: scripts, keyspaceChannelScopes } = readGatewaySettings(readEnvironment(process.env));
  const credentials = keptCredentials(options.stateDir, localUsers(Object.values(keyPrefixes), { scripts }).all);
  const users = await applyEngineUsers(
    stores.nodeUrls,
    Object.values(keyPrefixes),
    { scripts, keyspaceScopes: keyspaceChannelScopes },
    credentials.engineUserPasswords,
  );
  const registry = new MetricRegistry();
  registry.start();
  started.push({ stop: async () => registry.stop() });
  return {
    registry,
    listenerHealthFile: join(options.stateDir, "listener-health.json"),
    options,
    primaryUrl: stores.primaryEndpoint.url,
    nodeUrls: stores.nodeUrls,
    dynamo,
    dynamodbEndpoint: stores.dynamoService.endpoint,
    s3: stores.s3,
    s3Client,
    functions: {},
    started,
    users,
    credentials,
    keyPrefixes,
  };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const started: Service[] = [];
  let stores = 0;
  const stop = () => stopAll(started, stores);
  try {
    const store = await startStores(options, started);
    stores = started.length;
    const shared = await sharedOf(options, store, started);
    const replicaDns = await startReplicaDns(shared);
    const featureStore = await startFeatureStore(shared);
    const mappings = parseMappingFile(readFileSync(options.mappingFile, "utf8"));
    registerChangeWriter(shared, mappings);
    const lambda = await startLambdaEndpoint(shared.functions, { port: options.ports.lambda, accessKeyId: shared.credentials.lambdaAccessKeyId });
    started.push(lambda);
    const sql = await startSqlDestinations(options.stateDir, options.ports, started);
    const changeFeed = await startChangeFeed(shared, mappings, lambda.endpoint, sql);
    const commandApis = await startCommandApis(shared);

    const endpoints: Endpoints = {
      redisUrl: store.primaryEndpoint.url,
      nodeUrls: store.nodeUrls,
      replicaUrls: store.group.replicas.map((r) => r.url),
      dynamodbEndpoint: store.dynamoService.endpoint,
      s3Endpoint: store.s3.endpoint,
      region: options.region,
      lambdaEndpoint: lambda.endpoint,
      ...replicaDns,
      ...commandApis,
      ...featureStore,
      ...changeFeed,
      ...sql.urls,
    };
    return { endpoints, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
