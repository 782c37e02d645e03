import { expect } from "chai";
import { configFromEnvironment } from "../infra/config-environment.js";
import { estimateMonthlyCost, UnpricedResource } from "../infra/cost/estimate.js";
import { priceTable } from "../infra/cost/prices.js";
import { runPolicy } from "../infra/policy/rules.js";
import { of, synth } from "./harness/synth.js";

const estimateOf = (env: Record<string, string> = {}) => {
  const json = synth(configFromEnvironment(env));
  return { json, estimate: estimateMonthlyCost(json as never, priceTable) };
};
const line = (estimate: ReturnType<typeof estimateMonthlyCost>, item: string) => estimate.lines.find((l) => l.item.startsWith(item));

describe("make cost: the synthesized stack's monthly bill, from the price table, idle and at a stated load", function () {
  this.timeout(60_000);

  it("the default stack: three cache nodes, one listener, six interface endpoints in two zones (about half the idle bill), and the account's small items", () => {
    const { estimate } = estimateOf();
    expect(line(estimate, "cache nodes")).to.deep.include({ quantity: "3 x cache.t4g.small", monthly: 56.06 });
    expect(line(estimate, "listener instances")).to.deep.include({ quantity: "1 x t4g.small", monthly: 12.26 });
    const endpoints = estimate.lines.filter((l) => l.item.startsWith("interface endpoint"));
    expect(endpoints.map((l) => l.item.split(": ")[1]).sort()).to.deep.equal(["ec2messages", "lambda", "logs", "secretsmanager", "ssm", "ssmmessages"]);
    expect(endpoints.every((l) => l.quantity === "2 AZ" && l.monthly === 14.6)).to.equal(true);
    expect(line(estimate, "alarms")?.quantity).to.equal("37 metrics in 35 alarms");
    expect(estimate.idleMonthly).to.equal(167.82);
    expect(estimate.idleMonthly).to.equal(Math.round(estimate.lines.filter((l) => l.kind === "idle").reduce((n, l) => n + l.monthly, 0) * 100) / 100);
    expect(estimate.loadMonthly).to.be.above(0);
  });

  it("cheaper shapes for non-production: Session Manager's endpoints off, endpoints in one zone; each passes the policy suite", () => {
    const shapes: [Record<string, string>, number, string[]][] = [
      [{ ECP_SESSION_MANAGER_ENDPOINTS: "false" }, 124.02, ["2 AZ"]],
      [{ ECP_ENDPOINT_ZONES: "1" }, 124.02, ["1 AZ"]],
      [{ ECP_SESSION_MANAGER_ENDPOINTS: "false", ECP_ENDPOINT_ZONES: "1" }, 102.12, ["1 AZ"]],
    ];
    for (const [env, idle, zones] of shapes) {
      const { json, estimate } = estimateOf(env);
      expect(estimate.idleMonthly, JSON.stringify(env)).to.equal(idle);
      expect([...new Set(estimate.lines.filter((l) => l.item.startsWith("interface endpoint")).map((l) => l.quantity))]).to.deep.equal(zones);
      expect(runPolicy(json as never).findings, JSON.stringify(env)).to.deep.equal([]);
      const services = of(json, "aws_vpc_endpoint").map(([, e]) => String(e.service_name).split(".").pop());
      if (env.ECP_SESSION_MANAGER_ENDPOINTS === "false") expect(services).to.not.include.members(["ssm", "ssmmessages", "ec2messages"]);
    }
    expect(() => configFromEnvironment({ ECP_ENDPOINT_ZONES: "3" })).to.throw(/endpointZones is 3: at most the 2 zones the network spans/);
  });

  it("the SQL destinations: each Aurora cluster at its minimum capacity, its proxy at RDS Proxy's 8-ACU minimum, its storage and its master secret", () => {
    const { estimate } = estimateOf({ ECP_POSTGRES: "aurora", ECP_MYSQL: "aurora" });
    for (const engine of ["aurora-postgresql", "aurora-mysql"]) {
      expect(line(estimate, `Aurora Serverless v2 (${engine})`)).to.deep.include({ quantity: "0.5 ACU minimum", monthly: 43.8 });
      expect(line(estimate, `RDS Proxy (${engine})`)).to.deep.include({ quantity: "8 ACU billed", monthly: 87.6 });
      expect(line(estimate, `master secret (${engine}`)?.monthly).to.equal(0.4);
    }
    expect(estimate.idleMonthly).to.be.above(estimateOf().estimate.idleMonthly + 2 * (43.8 + 87.6));
  });

  it("a resource the table has no price for is named, with the ones it knows", () => {
    const json = synth(configFromEnvironment({ ECP_CACHE_NODE_TYPE: "cache.x2gd.xlarge" }));
    expect(() => estimateMonthlyCost(json as never, priceTable)).to.throw(
      UnpricedResource,
      /no price for valkey node type "cache.x2gd.xlarge" in infra\/cost\/prices.ts \(known: cache.t4g.micro/,
    );
  });
});
