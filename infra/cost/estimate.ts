// A monthly bill before `make apply`: the synthesized Terraform JSON priced from the price table. What
// costs by the hour or the month is read off the resources themselves (cache nodes, listener
// instances and their disks, interface endpoints per AZ, keys, secrets, alarms per metric, dashboards,
// the zone, the listener's metric logs, the Aurora destinations and their proxies); what costs per request is priced at a stated load.
import type { TerraformJson } from "../policy/rules.js";
import { list, resources, type ResourceConfig } from "../policy/terraform-json.js";
import type { PriceTable } from "./prices.js";
import { defaultLoad, pathsAtLoad, type MonthlyLoad } from "./load.js";

export interface CostLine {
  item: string;
  quantity: string;
  monthly: number;
  /** Billed by the hour or month (the idle bill), or per request at the load. */
  kind: "idle" | "load";
}

/** Bad input: a resource the price table has no price for. */
export class UnpricedResource extends Error {
  override name = "UnpricedResource";
}

const priceOf = (table: Record<string, number>, key: string, what: string) => {
  const price = table[key];
  if (price === undefined) throw new UnpricedResource(`no price for ${what} "${key}" in infra/cost/prices.ts (known: ${Object.keys(table).join(", ")})`);
  return price;
};

const money = (n: number) => Math.round(n * 100) / 100;

function cacheLines(json: TerraformJson, p: PriceTable): CostLine[] {
  return resources(json, "aws_elasticache_replication_group").map(([name, g]) => {
    const nodes = Number(g.num_cache_clusters ?? 0) || Number(g.num_node_groups ?? 1) * (Number(g.replicas_per_node_group ?? 0) + 1);
    const engine = String(g.engine ?? "redis");
    const hourly = priceOf(p.hourly.cacheNode[engine] ?? {}, String(g.node_type), `${engine} node type`);
    return { item: `cache nodes (${name}, ${engine})`, quantity: `${nodes} x ${String(g.node_type)}`, monthly: nodes * hourly * p.hoursPerMonth, kind: "idle" };
  });
}

/** The launch template an Auto Scaling group names (`${aws_launch_template.<name>.id}`). */
const templateOf = (json: TerraformJson, group: ResourceConfig) => {
  const reference = String((list<ResourceConfig>(group.launch_template)[0] ?? {}).id ?? "");
  const name = /aws_launch_template\.([^.]+)\./.exec(reference)?.[1];
  return resources(json, "aws_launch_template").find(([n]) => n === name)?.[1];
};

function hostLines(json: TerraformJson, p: PriceTable): CostLine[] {
  return resources(json, "aws_autoscaling_group").flatMap(([name, group]): CostLine[] => {
    const template = templateOf(json, group);
    const count = Number(group.desired_capacity ?? group.min_size ?? 1);
    const type = String(template?.instance_type);
    const disk = list<ResourceConfig>(template?.block_device_mappings).reduce(
      (gb, m) => gb + Number((m.ebs as ResourceConfig | undefined)?.volume_size ?? 0),
      0,
    );
    return [
      {
        item: `listener instances (${name})`,
        quantity: `${count} x ${type}`,
        monthly: count * priceOf(p.hourly.ec2Instance, type, "instance type") * p.hoursPerMonth,
        kind: "idle",
      },
      { item: "listener disks (gp3)", quantity: `${count} x ${disk} GB`, monthly: count * disk * p.monthly.ebsGp3PerGb, kind: "idle" },
      // The listener's metric documents (779 bytes every 10 s) through the CloudWatch agent.
      {
        item: "listener metric logs",
        quantity: `${count} x 0.2 GB`,
        monthly: count * ((779 * 6 * 60 * p.hoursPerMonth) / 1e9) * p.perUnit.logIngestionPerGb,
        kind: "idle",
      },
    ];
  });
}

function endpointLines(json: TerraformJson, p: PriceTable): CostLine[] {
  return resources(json, "aws_vpc_endpoint")
    .filter(([, e]) => e.vpc_endpoint_type === "Interface")
    .map(([, e]) => {
      const service = String(e.service_name).split(".").pop();
      const zones = list(e.subnet_ids).length;
      return {
        item: `interface endpoint: ${service}`,
        quantity: `${zones} AZ`,
        monthly: zones * p.hourly.interfaceEndpointPerAz * p.hoursPerMonth,
        kind: "idle",
      };
    });
}

/** Each Aurora destination at its minimum capacity, its proxy's minimum, and the master secret RDS keeps for it (not a resource of the stack). */
function databaseLines(json: TerraformJson, p: PriceTable): CostLine[] {
  return resources(json, "aws_rds_cluster").flatMap(([name, c]): CostLine[] => {
    const acus = Number(list<ResourceConfig>(c.serverlessv2_scaling_configuration)[0]?.min_capacity ?? 0);
    const proxied = resources(json, "aws_db_proxy_target").some(([, t]) => String(t.db_cluster_identifier).includes(`aws_rds_cluster.${name}.`));
    const proxyAcus = Math.max(acus, p.hourly.rdsProxyMinimumAcus);
    return [
      {
        item: `Aurora Serverless v2 (${String(c.engine)})`,
        quantity: `${acus} ACU minimum`,
        monthly: acus * p.hourly.auroraServerlessAcu * p.hoursPerMonth,
        kind: "idle",
      },
      { item: `Aurora storage (${String(c.engine)})`, quantity: "10 GB", monthly: 10 * p.monthly.auroraStoragePerGb, kind: "idle" },
      ...(proxied
        ? [
            {
              item: `RDS Proxy (${String(c.engine)})`,
              quantity: `${proxyAcus} ACU billed`,
              monthly: proxyAcus * p.hourly.rdsProxyAcu * p.hoursPerMonth,
              kind: "idle" as const,
            },
          ]
        : []),
      ...(c.manage_master_user_password
        ? [{ item: `master secret (${String(c.engine)}, RDS-managed)`, quantity: "1 secret", monthly: p.monthly.secret, kind: "idle" as const }]
        : []),
    ];
  });
}

/** A metric-math alarm pays for each metric it reads. */
const alarmMetrics = (alarm: ResourceConfig) => list<ResourceConfig>(alarm.metric_query).filter((q) => q.metric !== undefined).length || 1;

function accountLines(json: TerraformJson, p: PriceTable): CostLine[] {
  const count = (type: string) => resources(json, type).length;
  const metrics = resources(json, "aws_cloudwatch_metric_alarm").reduce((n, [, a]) => n + alarmMetrics(a), 0);
  const line = (item: string, n: number, each: number, unit: string): CostLine => ({ item, quantity: `${n} ${unit}`, monthly: n * each, kind: "idle" });
  return [
    line("KMS keys", count("aws_kms_key"), p.monthly.kmsKey, "keys"),
    line("secrets", count("aws_secretsmanager_secret"), p.monthly.secret, "secrets"),
    line("alarms", metrics, p.monthly.alarmMetric, `metrics in ${count("aws_cloudwatch_metric_alarm")} alarms`),
    line("dashboards", count("aws_cloudwatch_dashboard"), p.monthly.dashboard, "dashboards"),
    line("private hosted zones", count("aws_route53_zone"), p.monthly.hostedZone, "zones"),
  ];
}

/** GB of memory of the function whose name ends with `suffix` (0 when the stack has none). */
const memoryOf = (json: TerraformJson, suffix: string) =>
  Number(resources(json, "aws_lambda_function").find(([, f]) => String(f.function_name).endsWith(suffix))?.[1].memory_size ?? 0) / 1024;

function loadLines(json: TerraformJson, p: PriceTable, load: MonthlyLoad): CostLine[] {
  const u = p.perUnit;
  const paths = pathsAtLoad(load, u);
  const lines: [string, string, number][] = paths
    .filter(({ fn }) => memoryOf(json, fn) > 0)
    .map(({ fn, item, count, unit, edgePerMillion, invocations, seconds }) => [
      item,
      `${count} ${unit}`,
      (count / 1e6) * edgePerMillion + (invocations / 1e6) * u.lambdaRequestsPerMillion + invocations * seconds * memoryOf(json, fn) * u.lambdaPerGbSecond,
    ]);
  const invocations = load.restRequests + load.graphqlOperations + load.changes / 50 + load.featureReads;
  lines.push(["function logs (1 KB an invocation)", `${money(invocations / 1e6)} GB`, (invocations / 1e6) * u.logIngestionPerGb]);
  return lines.map(([item, quantity, monthly]) => ({ item, quantity, monthly, kind: "load" }));
}

export interface CostEstimate {
  lines: CostLine[];
  idleMonthly: number;
  loadMonthly: number;
}

/** Prices one synthesized stack. */
export function estimateMonthlyCost(json: TerraformJson, prices: PriceTable, load: MonthlyLoad = defaultLoad): CostEstimate {
  const lines = [
    ...cacheLines(json, prices),
    ...hostLines(json, prices),
    ...endpointLines(json, prices),
    ...databaseLines(json, prices),
    ...accountLines(json, prices),
    ...loadLines(json, prices, load),
  ].map((line) => ({ ...line, monthly: money(line.monthly) }));
  const sum = (kind: CostLine["kind"]) => money(lines.filter((l) => l.kind === kind).reduce((n, l) => n + l.monthly, 0));
  return { lines, idleMonthly: sum("idle"), loadMonthly: sum("load") };
}

/** The estimate as a table a terminal shows. */
export function costTable(estimate: CostEstimate, prices: PriceTable, title: string): string {
  const rows = estimate.lines.map(
    (l) => `| ${l.item} | ${l.quantity} | ${l.kind === "idle" ? "by the hour/month" : "at the load"} | $${l.monthly.toFixed(2)} |`,
  );
  return [
    `${title} (prices: ${prices.region}, ${prices.asOf}; infra/cost/prices.ts)`,
    "",
    "| item | quantity | billed | per month |",
    "|---|---|---|---|",
    ...rows,
    `| **idle** | | | **$${estimate.idleMonthly.toFixed(2)}** |`,
    `| **at the load** | | | **$${estimate.loadMonthly.toFixed(2)}** |`,
    `| **total** | | | **$${(estimate.idleMonthly + estimate.loadMonthly).toFixed(2)}** |`,
  ].join("\n");
}
