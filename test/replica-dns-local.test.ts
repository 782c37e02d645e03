import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scheduledInvocation } from "../domain/replica-dns/events.js";
import { failover, notifyKeeper } from "../local/dev/failover.js";
import { startLambdaEndpoint } from "../local/aws/lambda-endpoint.js";
import { keeperFunction, localReplicaDnsKeeper, readZoneFile, resolveLocalName } from "../local/aws/replica-dns.js";
import { redisCommand, startReplicationGroup, type ReplicationGroup } from "../local/launcher/services.js";
import type { HttpService } from "../local/launcher/services.js";
import { eventually } from "./harness/eventually.js";

describe("replica DNS keeper on real redis-server nodes (local zone file)", function () {
  this.timeout(30_000);
  let group: ReplicationGroup;
  let lambda: HttpService;
  let dir: string;
  let zoneFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ecp-zone-"));
    zoneFile = join(dir, "zone.json");
    // Each node on its own loopback address, as nodes have their own addresses in a VPC.
    group = await startReplicationGroup({ replicas: 2, hosts: ["127.0.1.1", "127.0.1.2", "127.0.1.3"] });
    const keeper = localReplicaDnsKeeper(() => group.nodes.map((n) => n.url), zoneFile);
    lambda = await startLambdaEndpoint({ "replica-dns-keeper": keeperFunction(keeper) });
  });
  after(async () => {
    await lambda?.stop();
    await group?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const rolesInZone = async () => {
    const zone = readZoneFile(zoneFile);
    const numbered = Object.keys(zone).filter((k) => /^replica\d+$/.test(k));
    return Promise.all(numbered.map(async (k) => ((await redisCommand(String(zone[k]), "ROLE")) as string[])[0]));
  };

  it("writes one record per replica, a primary record and a reader record over the replicas", async () => {
    const reply = await notifyKeeper(lambda.endpoint, "us-east-1");
    expect(reply).to.include({ trigger: "sns", events: 1 });
    const zone = readZoneFile(zoneFile);
    expect(zone).to.deep.equal({
      primary: group.primary.url,
      reader: group.replicas.map((r) => r.url).sort(),
      replica1: group.replicas.map((r) => r.url).sort()[0],
      replica2: group.replicas.map((r) => r.url).sort()[1],
    });
  });

  it("after a failover every replica record points at a replica within one second", async () => {
    const before = readZoneFile(zoneFile);
    const started = Date.now();
    const result = await failover(group.nodes.map((n) => n.url));
    await notifyKeeper(lambda.endpoint, "us-east-1");
    let roles = await rolesInZone();
    while (roles.some((r) => r !== "slave") && Date.now() - started < 1_000) roles = await rolesInZone();
    expect(roles).to.deep.equal(["slave", "slave"]);
    expect(Date.now() - started).to.be.below(1_000);

    const after = readZoneFile(zoneFile);
    expect(after.primary).to.equal(result.newPrimary);
    // Only the promoted replica's number moved, to the old primary.
    const moved = Object.keys(before).filter((k) => k.startsWith("replica") && before[k] !== after[k]);
    expect(moved).to.have.length(1);
    expect(after[moved[0]]).to.equal(result.oldPrimary);
  });

  it("a client resolving replica1 through the local zone reads from a replica", async () => {
    const primary = resolveLocalName(zoneFile, "primary.cache.local.")!;
    await redisCommand(primary, "SET", "greeting", "hello");
    const replica = resolveLocalName(zoneFile, "replica1.cache.local.")!;
    expect(((await redisCommand(replica, "ROLE")) as string[])[0]).to.equal("slave");
    expect(
      await eventually(
        "the write on the replica",
        () => redisCommand(replica, "GET", "greeting"),
        (v) => v === "hello",
        1_000,
        10,
      ),
    ).to.equal("hello");
  });

  it("unknown functions and bad payloads get Lambda's own errors from the local endpoint", async () => {
    const missing = await fetch(`${lambda.endpoint}/2015-03-31/functions/nope/invocations`, { method: "POST", body: "{}" });
    expect(missing.status).to.equal(404);
    expect(missing.headers.get("x-amzn-errortype")).to.equal("ResourceNotFoundException");
    const bad = await fetch(`${lambda.endpoint}/2015-03-31/functions/replica-dns-keeper/invocations`, { method: "POST", body: "{" });
    expect(bad.status).to.equal(400);
  });

  it("fail safe: with every node down (make dev stopping), the schedule leaves the zone as it was", async () => {
    const before = readZoneFile(zoneFile);
    const keeper = localReplicaDnsKeeper(() => group.nodes.map((n) => n.url), zoneFile);
    await Promise.all(group.nodes.map((n) => n.stop()));
    const result = await keeper.handle(scheduledInvocation);
    expect(result.held).to.match(/no nodes: changing nothing/);
    expect(result.changes).to.deep.equal([]);
    expect(keeper.counters.held).to.equal(1);
    expect(readZoneFile(zoneFile)).to.deep.equal(before);
  });
});
