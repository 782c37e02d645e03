import { expect } from "chai";
import { configFromEnvironment } from "../infra/config-environment.js";
import { defaultConfig, validateConfig } from "../infra/config.js";
import { ConfigError } from "../domain/runtime/errors.js";
import type { ResourceConfig } from "../infra/policy/rules.js";
import { of, one, synth, withSqlDestinations, type Json } from "./harness/synth.js";

const statementsOf = (json: Json) =>
  (JSON.parse(String(one(json, "aws_iam_role_policy", (p) => String(p.role).includes("listener")).config.policy)) as { Statement: ResourceConfig[] }).Statement;
const listenerFile = (json: Json) =>
  JSON.parse(String(of(json, "aws_s3_object").find(([, o]) => o.key === "listener/listener.json")![1].content)) as ResourceConfig;

describe("SQL destinations in AWS (synthesized Terraform JSON)", function () {
  this.timeout(60_000);

  it("off by default: no database, proxy or grant, and no sql block in the listener's configuration", () => {
    const json = synth();
    for (const type of ["aws_rds_cluster", "aws_db_proxy", "aws_db_subnet_group"]) expect(of(json, type), type).to.have.length(0);
    expect(statementsOf(json).filter((s) => JSON.stringify(s.Action).includes("rds-db"))).to.deep.equal([]);
    expect(listenerFile(json).sql).to.deep.equal({});
  });

  it("aurora: a private, encrypted Serverless v2 cluster per engine with IAM authentication and an RDS-managed secret", () => {
    const json = synth(withSqlDestinations());
    const clusters = of(json, "aws_rds_cluster").map(([, c]) => c);
    expect(clusters.map((c) => c.engine).sort()).to.deep.equal(["aurora-mysql", "aurora-postgresql"]);
    for (const c of clusters) {
      expect(c).to.deep.include({
        storage_encrypted: true,
        iam_database_authentication_enabled: true,
        manage_master_user_password: true,
        skip_final_snapshot: true,
      });
      expect(c.master_password).to.equal(undefined);
      expect(c.serverlessv2_scaling_configuration).to.deep.equal({ min_capacity: 0.5, max_capacity: 4 });
    }
    for (const [, instance] of of(json, "aws_rds_cluster_instance"))
      expect(instance).to.deep.include({ instance_class: "db.serverless", publicly_accessible: false });
    const tls = of(json, "aws_rds_cluster_parameter_group").flatMap(([, g]) =>
      (g.parameter as ResourceConfig[]).map((p) => `${String(p.name)}=${String(p.value)}`),
    );
    expect(tls.sort()).to.deep.equal(["rds.force_ssl=1", "require_secure_transport=ON"]);
  });

  it("the listener reaches each database only through its proxy (TLS, IAM token), and the proxy admits nobody else", () => {
    const json = synth(withSqlDestinations());
    for (const [, proxy] of of(json, "aws_db_proxy")) {
      expect(proxy.require_tls).to.equal(true);
      expect((proxy.auth as ResourceConfig[])[0]).to.deep.include({ auth_scheme: "SECRETS", iam_auth: "REQUIRED" });
    }
    const listenerGroup = one(json, "aws_security_group", (g) => String(g.name_prefix ?? g.name).includes("listener")).ref("id");
    const ingress = of(json, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
    for (const [engine, port] of [
      ["postgres", 5432],
      ["mysql", 3306],
    ] as const) {
      const proxyGroup = one(json, "aws_security_group", (g) => String(g.description).startsWith(`RDS Proxy of the ${engine}`)).ref("id");
      const clusterGroup = one(json, "aws_security_group", (g) => String(g.description).startsWith(`Aurora ${engine}`)).ref("id");
      expect(ingress.filter((r) => r.security_group_id === proxyGroup).map((r) => [r.referenced_security_group_id, r.from_port])).to.deep.equal([
        [listenerGroup, port],
      ]);
      expect(ingress.filter((r) => r.security_group_id === clusterGroup).map((r) => [r.referenced_security_group_id, r.from_port])).to.deep.equal([
        [proxyGroup, port],
      ]);
      expect(listenerFile(json).sql).to.have.nested.property(`${engine}.iamAuth`, true);
    }
    const connects = statementsOf(json).filter((s) => JSON.stringify(s.Action).includes("rds-db"));
    expect(connects.map((s) => s.Sid)).to.deep.equal(["ConnectToPostgres", "ConnectToMysql"]);
    for (const s of connects) expect(String(s.Resource)).to.match(/:dbuser:\$\{local\.[^}]+\}\/changefeed$/);
    const { mappings } = JSON.parse(String(of(json, "aws_s3_object").find(([, o]) => o.key === "listener/mappings.json")![1].content)) as {
      mappings: ResourceConfig[];
    };
    expect(mappings.find((m) => m.name === "people-postgres")).to.deep.include({ destination: "postgres", table: "people" });
  });

  it("existing: no cluster, a route to the user's CIDR and rds-db:connect on the user's database user only", () => {
    const config = configFromEnvironment({
      ECP_POSTGRES: "existing",
      ECP_POSTGRES_HOST: "db.example.internal",
      ECP_POSTGRES_DATABASE: "app",
      ECP_POSTGRES_USER: "feed",
      ECP_POSTGRES_DB_USER_ARN: "arn:aws:rds-db:us-east-1:123456789012:dbuser:cluster-ABC/feed",
      ECP_POSTGRES_CIDR: "10.1.0.0/16",
    });
    const json = synth(config);
    expect(of(json, "aws_rds_cluster")).to.have.length(0);
    const egress = of(json, "aws_vpc_security_group_egress_rule")
      .map(([, r]) => r)
      .filter((r) => r.cidr_ipv4 === "10.1.0.0/16");
    expect(egress.map((r) => r.from_port)).to.deep.equal([5432]);
    expect(statementsOf(json).find((s) => s.Sid === "ConnectToPostgres")?.Resource).to.equal("arn:aws:rds-db:us-east-1:123456789012:dbuser:cluster-ABC/feed");
    expect(listenerFile(json).sql).to.deep.equal({ postgres: { host: "db.example.internal", port: 5432, database: "app", user: "feed", iamAuth: true } });
  });

  it("refuses a mapping to an engine that is off, and an impossible capacity, naming the setting", () => {
    const on = withSqlDestinations();
    const off = { ...on, changeFeed: { ...on.changeFeed, sql: defaultConfig.changeFeed.sql } };
    expect(() => validateConfig(off)).to.throw(ConfigError, /people-postgres.*postgres/);
    expect(() => configFromEnvironment({ ECP_MYSQL: "aurora", ECP_MYSQL_MIN_ACU: "8", ECP_MYSQL_MAX_ACU: "2" })).to.throw(ConfigError, /changeFeed.sql.mysql/);
  });
});
