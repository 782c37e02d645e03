// Each Lambda in a process of its own, as Lambda runs it: its environment set before its module loads,
// the AWS APIs it calls mocked at the SDK boundary, its handler invoked with real events. What it prints
// (its EMF documents among its logs) is for the test to read; a failed expectation exits non-zero.
//   node --import tsx test/harness/lambda-scenarios.ts <scenario> <redis url> <redis pid>
import { strict as assert } from "node:assert";
import { PassThrough, Readable, Writable } from "node:stream";
import { mockClient } from "aws-sdk-client-mock";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { ChangeResourceRecordSetsCommand, GetHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53";
import { describe3, zoneRecords } from "./aws-shapes.js";
import { redisCommand, waitFor } from "../../local/launcher/services.js";
import { numsub } from "./subscribe-bed.js";

type Handler = (event: unknown) => Promise<{ statusCode?: number; changes?: number; held?: string }>;
type StreamHandler = (event: unknown, stream: PassThrough) => Promise<void>;

const loadModule = async (module: string, env: Record<string, string>) => {
  Object.assign(process.env, { AWS_REGION: "us-east-1", ...env });
  return (await import(module)) as { handler: Handler; subscribe?: StreamHandler };
};
const load = async (module: string, env: Record<string, string>): Promise<Handler> => (await loadModule(module, env)).handler;

/** The Lambda runtime's response streaming global, as the Node.js runtime provides it: the metadata each response began with. */
function fakeStreamingRuntime(): { metadata: { statusCode: number }[] } {
  const metadata: { statusCode: number }[] = [];
  Object.assign(globalThis, {
    awslambda: {
      streamifyResponse: (handler: StreamHandler) => handler,
      HttpResponseStream: { from: (stream: PassThrough, meta: { statusCode: number }) => (metadata.push(meta), stream) },
    },
  });
  return { metadata };
}

/** An API Gateway REST API proxy event (the streaming route's). */
const restApiEvent = (path: string, token: string) => ({
  httpMethod: "POST",
  path,
  headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" },
  multiValueQueryStringParameters: null,
  body: "[]",
  isBase64Encoded: false,
  requestContext: { requestId: `req-${process.hrtime.bigint()}` },
});

/** A client that stops reading: its stream is closed once STREAM_BUFFER_BYTES wait for it (a SlowConsumers point). */
async function slowConsumer(subscribe: StreamHandler, redisUrl: string, token: string): Promise<void> {
  const stuck = new Writable({ highWaterMark: 16, write: () => {} });
  const served = subscribe(restApiEvent("/subscribe/firehose", token), stuck as unknown as PassThrough);
  await waitFor("the stream's subscriber", async () => ((await numsub(redisUrl, "firehose")) === 1 ? true : undefined));
  for (let i = 0; i < 20; i++) await redisCommand(redisUrl, "PUBLISH", "firehose", "x".repeat(1024));
  await served;
}

/** Streams `/subscribe/chat` through the streaming entry, publishes once, reads the message, then hangs up as a client would. */
async function subscribeOnce(subscribe: StreamHandler, redisUrl: string, token: string): Promise<string> {
  const stream = new PassThrough();
  let text = "";
  const heard = new Promise<void>((resolve) =>
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes("data: subscribe,chat,1")) void redisCommand(redisUrl, "PUBLISH", "chat", "hi");
      if (text.includes("data: message,chat,hi")) resolve();
    }),
  );
  const served = subscribe(restApiEvent("/subscribe/chat", token), stream);
  await heard;
  stream.destroy();
  await served;
  return text;
}

/** An API Gateway HTTP API (payload 2.0) event. */
const httpEvent = (method: string, rawPath: string, options: { body?: string; query?: string; token?: string } = {}) => ({
  version: "2.0",
  rawPath,
  rawQueryString: options.query ?? "",
  headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  body: options.body,
  isBase64Encoded: false,
  requestContext: { requestId: `req-${process.hrtime.bigint()}`, http: { method, path: rawPath } },
});

const restToken = "t".repeat(24);

const scenarios: Record<string, (redisUrl: string, redisPid: number) => Promise<void>> = {
  async "redis-rest"(redisUrl, redisPid) {
    mockClient(SecretsManagerClient)
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ readWrite: [restToken], readOnly: [] }) });
    const runtime = fakeStreamingRuntime();
    const { handler, subscribe } = await loadModule("../../functions/redis-rest/handler.js", {
      REDIS_URL: redisUrl,
      REST_TOKENS_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:1:secret:rest",
      STREAM_BUFFER_BYTES: "4096",
    });
    // The streaming entry: a subscription streamed until the client hangs up; an unknown token answered 401 before any stream.
    assert.match(await subscribeOnce(subscribe!, redisUrl, restToken), /data: subscribe,chat,1\n\ndata: message,chat,hi\n\n/);
    await subscribe!(restApiEvent("/subscribe/chat", "wrong-token-wrong-token"), new PassThrough());
    assert.deepEqual(
      runtime.metadata.map((m) => m.statusCode),
      [200, 401],
    );
    await slowConsumer(subscribe!, redisUrl, restToken);
    const post = (body: string, token = restToken) => handler(httpEvent("POST", "/", { token, body }));
    assert.equal((await post(JSON.stringify(["SET", "k", "v"]))).statusCode, 200);
    assert.equal((await post(JSON.stringify(["FLUSHALL"]))).statusCode, 400);
    assert.equal((await post("not json")).statusCode, 400);
    assert.equal((await post(JSON.stringify(["GET", "k"]), "wrong-token-wrong-token")).statusCode, 401);
    // Redis stops answering: the write's reply never comes (a timeout, and a 5xx).
    process.kill(redisPid, "SIGSTOP");
    try {
      assert.equal((await post(JSON.stringify(["SET", "k", "w"]))).statusCode, 502);
    } finally {
      process.kill(redisPid, "SIGCONT");
    }
  },
  async "feature-store"(redisUrl) {
    const file = '{"userId": 1, "movieId": [10, 11]}\n{"userId": 2, "movieId": [12]}\n{"userId": true, "movieId": [1]}\n';
    mockClient(S3Client)
      .on(GetObjectCommand)
      .callsFake(async () => ({ Body: Readable.from([file]), ETag: '"e1"' }));
    const loader = await load("../../functions/feature-loader/handler.js", { REDIS_URL: redisUrl });
    const reader = await load("../../functions/feature-reader/handler.js", { REDIS_URL: redisUrl });
    await loader({ bucket: "batch", key: "recs.json" });
    assert.equal((await reader(httpEvent("GET", "/recommendations", { query: "userId=1&rank=1" }))).statusCode, 200);
    assert.equal((await reader(httpEvent("GET", "/recommendations", { query: "userId=99" }))).statusCode, 404);
  },
  async "replica-dns"() {
    const route53 = mockClient(Route53Client);
    route53
      .on(GetHostedZoneCommand)
      .resolves({ HostedZone: { Id: "/hostedzone/Z1", Name: "cache.internal.", CallerReference: "x", Config: { PrivateZone: true } } });
    route53.on(ListResourceRecordSetsCommand).resolves(zoneRecords([1, 2], [2, 3]));
    route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: "/change/C1", Status: "PENDING", SubmittedAt: new Date() } });
    // A failover to node 2, then a group that reports no primary: the second run holds.
    mockClient(ElastiCacheClient).on(DescribeReplicationGroupsCommand).resolvesOnce(describe3(2)).resolvesOnce(describe3(0));
    const keeper = await load("../../functions/replica-dns-keeper/handler.js", {
      REPLICATION_GROUP_ID: "testdns",
      HOSTED_ZONE_ID: "Z1",
      CNAME_TEMPLATE: "replica.cache.internal.",
    });
    assert.equal((await keeper({ source: "manual" })).changes, 1);
    assert.equal(typeof (await keeper({ source: "manual" })).held, "string");
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const [scenario, redisUrl, redisPid] = process.argv.slice(2);
  scenarios[scenario](redisUrl, Number(redisPid)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
