import { expect } from "chai";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { request as httpRequest } from "node:http";
import { localDynamo, localRegion, localS3 } from "../local/aws/aws-clients.js";
import { startLambdaEndpoint } from "../local/aws/lambda-endpoint.js";
import { startDynamo, startS3, type HttpService, type S3Service } from "../local/launcher/services.js";

/** One raw HTTP request, headers as given (a browser's Origin, a rebinding Host). */
function raw(endpoint: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }) {
  const url = new URL(endpoint);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, method: options.method ?? "POST", path: options.path ?? "/", headers: options.headers },
      (response) => {
        let body = "";
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    request.on("error", reject);
    request.end(options.body ?? "");
  });
}

describe("local AWS stand-ins refuse what a web page could send: no browser origin, no other Host, and the Lambda endpoint wants make dev's credential", function () {
  this.timeout(30_000);
  let dynamo: HttpService;
  let s3: S3Service;
  let lambda: HttpService;
  const accessKeyId = "AKIALOCALTESTKEY";

  before(async () => {
    [dynamo, s3] = await Promise.all([startDynamo(), startS3()]);
    lambda = await startLambdaEndpoint({ echo: async (event) => event }, { accessKeyId });
  });
  after(async () => Promise.all([dynamo.stop(), s3.stop(), lambda.stop()]));

  it("dynalite and s3rver: a request with an Origin, or for another Host, gets 403 and no CORS header; the SDKs work", async () => {
    const scan = { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.ListTables" };
    for (const [endpoint, headers] of [
      [dynamo.endpoint, { ...scan, origin: "http://attacker.example" }],
      [dynamo.endpoint, { ...scan, host: "attacker.example" }],
      [s3.endpoint, { origin: "http://attacker.example" }],
    ] as [string, Record<string, string>][]) {
      const answer = await raw(endpoint, { headers, body: "{}" });
      expect(answer.status, `${endpoint} ${JSON.stringify(headers)}`).to.equal(403);
      expect(answer.headers).to.not.have.property("access-control-allow-origin");
      expect(answer.body).to.match(/no browser origin may call this local service|answers only on/);
    }
    // A preflight is refused too (it carries an Origin).
    expect(
      (await raw(s3.endpoint, { method: "OPTIONS", headers: { origin: "http://attacker.example", "access-control-request-method": "GET" } })).status,
    ).to.equal(403);
    expect((await localDynamo(dynamo.endpoint).send(new ListTablesCommand({}))).TableNames).to.be.an("array");
    expect((await localS3(s3.endpoint).send(new ListBucketsCommand({}))).Buckets ?? []).to.be.an("array");
  });

  it("the Lambda endpoint: a cross-origin text/plain POST (a page's simple request) and an unsigned or wrongly signed call are refused; make dev's credential invokes", async () => {
    const path = "/2015-03-31/functions/echo/invocations";
    const page = await raw(lambda.endpoint, { path, headers: { origin: "http://attacker.example", "content-type": "text/plain" }, body: '{"forged":true}' });
    expect(page.status).to.equal(403);
    expect((await raw(lambda.endpoint, { path, body: "{}" })).status).to.equal(403);
    const as = (id: string) => new LambdaClient({ endpoint: lambda.endpoint, region: localRegion, credentials: { accessKeyId: id, secretAccessKey: "local" } });
    const wrong = await as("AKIAOTHER")
      .send(new InvokeCommand({ FunctionName: "echo", Payload: Buffer.from("{}") }))
      .catch((e: Error) => e);
    expect((wrong as Error).name).to.equal("UnrecognizedClientException");
    const right = await as(accessKeyId).send(new InvokeCommand({ FunctionName: "echo", Payload: Buffer.from('{"a":1}') }));
    expect(Buffer.from(right.Payload!).toString()).to.equal('{"a":1}');
  });
});
