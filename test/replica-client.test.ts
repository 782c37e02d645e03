import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { connectToReplica, replicaEndpoint } from "../domain/redis/replica-client.js";
import { freePort, startRedis, type RedisNode } from "../local/launcher/services.js";

// ElastiCache's certificates name the node endpoints. Here a TLS redis-server holds a certificate for
// the node name `node-2.cache.test` only, and the "private zone" says replica1 -> that node.
describe("replica names with in-transit encryption: connect to the CNAME's target, TLS server name set to it", function () {
  this.timeout(20_000);
  let dir: string;
  let node: RedisNode;
  let tlsPort: number;
  let ca: Buffer;
  const target = "node-2.cache.test";
  const zone = async (name: string) => (name === "replica1.cache.internal" ? [`${target}.`] : []);
  // Every host name reaches this machine (the test's stand-in for the VPC's DNS; Node asks for all addresses).
  const lookup = ((_host: string, options: { all?: boolean }, callback: (error: null, address: unknown, family?: number) => void) =>
    options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4)) as unknown as LookupFunction;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ecp-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        `/CN=${target}`,
        "-addext",
        `subjectAltName=DNS:${target}`,
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    ca = readFileSync(join(dir, "cert.pem"));
    tlsPort = await freePort();
    node = await startRedis({
      config: {
        "tls-port": String(tlsPort),
        "tls-cert-file": join(dir, "cert.pem"),
        "tls-key-file": join(dir, "key.pem"),
        "tls-ca-cert-file": join(dir, "cert.pem"),
        "tls-auth-clients": "no",
      },
    });
  });
  after(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("resolves the name to its target and names the target as the TLS server", async () => {
    expect(await replicaEndpoint("replica1.cache.internal.", { resolveCname: zone })).to.deep.equal({ host: target, port: 6379, tls: { servername: target } });
    let error: Error | undefined;
    await replicaEndpoint("replica9.cache.internal.", { resolveCname: zone }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/replica9.cache.internal. has no CNAME record/);
  });

  it("a client connected through the helper passes certificate verification and answers", async () => {
    const client = await connectToReplica("replica1.cache.internal.", { tls: { ca, lookup }, lazyConnect: true }, { resolveCname: zone, port: tlsPort });
    try {
      expect(await client.ping()).to.equal("PONG");
    } finally {
      client.disconnect();
    }
  });

  it("a client that names the replica itself fails verification (the reason the helper exists)", async () => {
    const naive = new Redis({
      host: "replica1.cache.internal",
      port: tlsPort,
      tls: { ca, lookup },
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // The TLS failure arrives as the client's "error" event; connect() only says the connection closed.
    let error: Error | undefined;
    naive.on("error", (e: Error) => (error ??= e));
    await naive.connect().catch(() => undefined);
    naive.disconnect();
    expect(error?.message).to.match(/Hostname\/IP does not match certificate's altnames/);
  });
});
