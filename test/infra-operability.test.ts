import { expect } from "chai";
import { readFileSync } from "node:fs";
import { defaultConfig, type SystemConfig } from "../infra/config.js";
import { alarmSpecOf, runbookDocument } from "../infra/constructs/data-path-alarms.js";
import { dataPathAlarmRules } from "../domain/runtime/alarm-rules.js";
import { cloudWatchAgentConfig, metricsAgentAddress } from "../infra/listener-boot.js";
import { dataPaths, metricNamespace, metricsOf } from "../domain/runtime/metrics.js";
import { of, one, synth, type Json } from "./harness/synth.js";

/** The anchors of a Markdown file's headings, as GitHub makes them. */
const anchors = (markdown: string) =>
  new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]
        .toLowerCase()
        .replace(/[^\w\- ]/g, "")
        .replace(/ /g, "-"),
    ),
  );

describe("operability in AWS: the dashboard, the data paths' alarms, the listener's metrics route", function () {
  this.timeout(60_000);
  let json: Json;
  before(() => {
    json = synth();
  });

  it("the dashboard has a row per data path with every metric that path reports, and a row for the cache", () => {
    const body = JSON.parse(String(one(json, "aws_cloudwatch_dashboard").config.dashboard_body)) as {
      widgets: { type: string; properties: { markdown?: string; metrics?: unknown[][] } }[];
    };
    const rows = body.widgets.filter((w) => w.type === "text").map((w) => w.properties.markdown);
    expect(rows).to.deep.equal([...dataPaths.map((p) => `## ${p}`), "## cache"]);
    const graphed = body.widgets.flatMap((w) => (w.properties.metrics ?? []).filter((m) => m[0] === metricNamespace).map((m) => `${m[3]}/${m[1]}`));
    for (const path of dataPaths) for (const name of metricsOf(path)) expect(graphed, `${path} ${name}`).to.include(`${path}/${name}`);
    // Mappings added at run time have no widget of their own: a SEARCH finds them.
    expect(JSON.stringify(body)).to.include(`SEARCH('{${metricNamespace},service,Mapping} MetricName=\\"LagP99\\"'`);
  });

  it("every alarm of the stack, AWS's own metrics included, names a runbook entry that exists", () => {
    const runbooks = anchors(readFileSync(runbookDocument, "utf8"));
    const alarms = of(json, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
    expect(alarms.length).to.be.above(30);
    for (const alarm of alarms) {
      const runbook = new RegExp(`${runbookDocument}#([a-z-]+)`).exec(String(alarm.alarm_description))?.[1];
      expect(runbook, String(alarm.alarm_name)).to.be.a("string");
      expect(runbooks.has(runbook!), `${String(alarm.alarm_name)}: ${runbookDocument} has "${runbook}"`).to.equal(true);
    }
  });

  it("every data-path alarm: its threshold from infra/config.ts, its metric in the namespace, a runbook entry that exists", () => {
    const runbooks = anchors(readFileSync(runbookDocument, "utf8"));
    const expected = dataPathAlarmRules(defaultConfig.alarms.dataPaths, dataPaths).map((rule) => ({ ...rule, spec: alarmSpecOf(rule) }));
    expect(expected.map((a) => a.id)).to.deep.equal([
      "feed-lag",
      "feed-oldest-unconfirmed",
      "feed-dead-letters",
      "feed-deaf",
      "feed-drift",
      "feed-mapping-refused",
      "listener-host-unhealthy",
      "feature-load-stale",
      "feature-load-failed",
      "keeper-held",
      "gateway-errors",
      "gateway-refusals",
      "gateway-slow-consumers",
    ]);
    for (const alarm of expected) {
      const [, synthesized] = of(json, "aws_cloudwatch_metric_alarm").find(([, a]) => a.alarm_name === `${defaultConfig.name}-${alarm.id}`) ?? [];
      expect(synthesized, alarm.id).to.not.equal(undefined);
      expect(synthesized!.threshold, alarm.id).to.equal(alarm.spec.threshold);
      expect(String(synthesized!.alarm_description)).to.include(`${runbookDocument}#${alarm.runbook}`);
      expect(runbooks.has(alarm.runbook), `${runbookDocument} has a "${alarm.runbook}" entry`).to.equal(true);
      expect(JSON.stringify(synthesized)).to.include(metricNamespace);
    }
  });

  it("thresholds follow the configuration: a stricter lag and a shorter feature-load age change the alarms", () => {
    const config: SystemConfig = {
      ...defaultConfig,
      alarms: { ...defaultConfig.alarms, dataPaths: { ...defaultConfig.alarms.dataPaths, feedLagP99Ms: 5_000, featureLoadMaxAgeHours: 30 } },
    };
    const alarms = of(synth(config), "aws_cloudwatch_metric_alarm").map(([, a]) => a);
    const lag = alarms.find((a) => a.alarm_name === `${config.name}-feed-lag`)!;
    expect(lag).to.include({ threshold: 5_000, metric_name: "LagP99", statistic: "Maximum", comparison_operator: "GreaterThanThreshold" });
    const stale = alarms.find((a) => a.alarm_name === `${config.name}-feature-load-stale`)!;
    expect(stale).to.include({ evaluation_periods: 30, period: 3_600, treat_missing_data: "breaching", metric_name: "LoadSucceeded" });
    const heartbeat = alarms.find((a) => a.alarm_name === `${config.name}-listener-host-unhealthy`)!;
    expect(heartbeat).to.include({ treat_missing_data: "breaching", comparison_operator: "LessThanThreshold", statistic: "SampleCount" });
  });

  it("a data path switched off has neither alarms nor a dashboard row", () => {
    const config: SystemConfig = { ...defaultConfig, patterns: { ...defaultConfig.patterns, featureStore: false } };
    const json = synth(config);
    const names = of(json, "aws_cloudwatch_metric_alarm").map(([, a]) => String(a.alarm_name));
    expect(names.some((n) => n.endsWith("feature-load-stale"))).to.equal(false);
    expect(String(one(json, "aws_cloudwatch_dashboard").config.dashboard_body)).to.not.include("## feature-store");
  });

  it("the listener's metrics: the CloudWatch agent (AL2023 package) listens for EMF on loopback, writes to an encrypted log group the role may write, through a logs endpoint", () => {
    expect(JSON.parse(cloudWatchAgentConfig)).to.deep.equal({
      agent: { run_as_user: "cwagent" },
      logs: { metrics_collected: { emf: { service_address: metricsAgentAddress } } },
    });
    const group = one(json, "aws_cloudwatch_log_group", (g) => String(g.name).endsWith("/listener-metrics"));
    expect(group.config.kms_key_id).to.be.a("string");
    const config = JSON.parse(String(one(json, "aws_s3_object", (o) => o.key === "listener/listener.json").config.content)) as {
      drift?: unknown;
    };
    expect(config).to.include({ metricsAgent: metricsAgentAddress, metricsLogGroup: group.config.name });
    expect(config.drift).to.deep.equal({ intervalMs: defaultConfig.alarms.dataPaths.driftIntervalSeconds * 1000 });
    const policy = JSON.parse(String(one(json, "aws_iam_role_policy", (p) => String(p.role).includes("listener")).config.policy)) as {
      Statement: { Sid: string; Resource: unknown }[];
    };
    const metrics = policy.Statement.find((s) => s.Sid === "MetricsThroughTheAgent");
    expect(metrics?.Resource).to.deep.equal([group.ref("arn"), `${group.ref("arn")}:*`]);
    expect(of(json, "aws_vpc_endpoint").some(([, e]) => String(e.service_name).endsWith(".logs"))).to.equal(true);
  });
});
