// The emulator Terraform talks to: a TLS front over moto. It serves ElastiCache itself (elasticache.ts),
// evaluates S3's aws:SecureTransport condition, which moto cannot (s3-policy.ts), serves AppSync's data
// sources and resolvers, which moto lacks (appsync.ts), forwards every other
// request to moto as it came, and journals each call in order, so a test can read what AWS was asked when.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HttpService } from "../../../local/launcher/services.js";
import { AppSync } from "./appsync.js";
import { ElastiCache } from "./elasticache.js";
import { parseQuery } from "./query-protocol.js";
import { s3Target, SecureTransportPolicies } from "./s3-policy.js";

/** One call as the front saw it: `started` and `finished` are positions in one sequence over all calls. */
export interface Call {
  service: string;
  operation: string;
  path: string;
  /** A Query request's parameters or a JSON request's body fields (strings only). */
  params: Record<string, string>;
  started: number;
  finished?: number;
  status?: number;
}

export interface Emulator extends HttpService {
  journal: Call[];
  /** `count` new subnets of one new VPC in moto's EC2, for a test that needs a place for a cache. */
  subnets(count: number): Promise<string[]>;
}

interface Request {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The service a signed request is for: the fourth field of its SigV4 credential scope. */
const serviceOf = (headers: IncomingMessage["headers"]) =>
  /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(headers.authorization ?? ""))?.[1] ?? "unsigned";

function describe(request: Request, service: string): Pick<Call, "operation" | "params"> {
  const type = String(request.headers["content-type"] ?? "");
  const target = request.headers["x-amz-target"];
  if (type.startsWith("application/x-www-form-urlencoded")) {
    const params = Object.fromEntries(parseQuery(request.body.toString()));
    return { operation: params.Action ?? "?", params };
  }
  const fields = (): Record<string, string> => {
    try {
      const parsed = JSON.parse(request.body.toString() || "{}") as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
    } catch {
      return {};
    }
  };
  if (target) return { operation: String(target).split(".").pop()!, params: fields() };
  return { operation: service === "s3" ? s3Operation(request) : `${request.method} ${request.path.split("?")[0]}`, params: service === "s3" ? {} : fields() };
}

/** The S3 operations the tests read in the journal; others keep their method and path. */
function s3Operation({ method, path }: Request): string {
  const { resource, query, isObject } = s3Target(path);
  const sub = ["encryption", "versioning", "policy"].find((s) => query.has(s));
  if (method === "PUT" && isObject && query.get("x-id") !== "CopyObject") return "PutObject";
  if (method === "PUT" && sub) return `PutBucket${sub[0].toUpperCase()}${sub.slice(1)}`;
  return `${method} ${resource}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Sends `request` to moto as it came and returns moto's answer. */
async function forward(moto: string, request: Request): Promise<Reply> {
  const headers = Object.fromEntries(
    Object.entries(request.headers)
      .filter(([name]) => !["connection", "transfer-encoding", "content-length", "expect"].includes(name))
      .map(([name, value]) => [name, String(value)]),
  );
  const response = await fetch(`${moto}${request.path}`, {
    method: request.method,
    headers,
    body: ["GET", "HEAD"].includes(request.method) ? undefined : new Uint8Array(request.body),
    redirect: "manual",
  });
  const replyHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!["content-length", "content-encoding", "transfer-encoding", "connection"].includes(name)) replyHeaders[name] = value;
  });
  return { status: response.status, headers: replyHeaders, body: Buffer.from(await response.arrayBuffer()) };
}

/** A self-signed certificate for 127.0.0.1 (the provider runs with `insecure`, as for any private endpoint). */
function certificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "ecp-emulator-tls-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"].concat([
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ]),
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One EC2 Query call to moto (unsigned: moto does not check signatures), answered as XML text. */
async function ec2(moto: string, params: Record<string, string>): Promise<{ ok: boolean; xml: string }> {
  const response = await fetch(moto, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: "AWS4-HMAC-SHA256 Credential=emulator/20260101/us-east-1/ec2/aws4_request" },
    body: new URLSearchParams({ Version: "2016-11-15", ...params }),
  });
  return { ok: response.ok, xml: await response.text() };
}

const field = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? "";

async function newSubnets(moto: string, count: number): Promise<string[]> {
  const vpcId = field((await ec2(moto, { Action: "CreateVpc", CidrBlock: "10.9.0.0/16" })).xml, "vpcId");
  const created = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      ec2(moto, { Action: "CreateSubnet", VpcId: vpcId, CidrBlock: `10.9.${i}.0/24`, AvailabilityZone: `us-east-1${"abcdef"[i]}` }),
    ),
  );
  return created.map(({ xml }) => field(xml, "subnetId"));
}

/** EC2's answer on each subnet, read from moto for CreateCacheSubnetGroup's check (an unknown one is left out). */
async function subnetsFromMoto(moto: string, ids: string[]) {
  const described = await Promise.all(
    ids.map(async (id) => {
      const { ok, xml } = await ec2(moto, { Action: "DescribeSubnets", "SubnetId.1": id });
      return ok && field(xml, "subnetId") === id ? [{ id, vpcId: field(xml, "vpcId"), zone: field(xml, "availabilityZone") }] : [];
    }),
  );
  return described.flat();
}

export async function startEmulator(moto: HttpService): Promise<Emulator> {
  const journal: Call[] = [];
  let sequence = 0;
  const elasticache = new ElastiCache((ids) => subnetsFromMoto(moto.endpoint, ids));
  const policies = new SecureTransportPolicies();
  const appsync = new AppSync();
  const serve = async (request: Request): Promise<Reply> => {
    const service = serviceOf(request.headers);
    if (service === "elasticache") {
      const { status, body } = await elasticache.handle(parseQuery(request.body.toString()));
      return { status, headers: { "content-type": "text/xml" }, body: Buffer.from(body) };
    }
    if (service === "s3") return policies.serve(request, (r) => forward(moto.endpoint, r));
    if (service === "appsync") return appsync.serve(request, (r) => forward(moto.endpoint, r));
    return forward(moto.endpoint, request);
  };
  const server: Server = createServer(certificate(), (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const request = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body: await readBody(req) };
      const service = serviceOf(request.headers);
      const call: Call = { service, path: request.path, ...describe(request, service), started: ++sequence };
      journal.push(call);
      const reply = await serve(request).catch((error: Error) => ({ status: 500, headers: {}, body: Buffer.from(`emulator front: ${error.stack}`) }));
      Object.assign(call, { finished: ++sequence, status: reply.status });
      res.writeHead(reply.status, { ...reply.headers, "content-length": String(reply.body.length) });
      res.end(reply.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    journal,
    subnets: (count) => newSubnets(moto.endpoint, count),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type { Reply, Request };
