import { expect } from "chai";
import { readFileSync } from "node:fs";
import { defaultConfig, type SystemConfig } from "../infra/config.js";
import { configFromEnvironment } from "../infra/config-environment.js";
import { defaultGatewaySettings, gatewayEnvironmentNames, type GatewaySettings } from "../domain/command-gateway/settings.js";
import type { ResourceConfig } from "../infra/policy/rules.js";
import { of, one, synth } from "./harness/synth.js";

const variables = (f: ResourceConfig) => (f.environment as ResourceConfig).variables as Record<string, string>;

describe("infrastructure: the engine (Valkey by default, Redis OSS by choice) and every gateway setting", function () {
  this.timeout(60_000);

  for (const [engine, version, family] of [
    ["valkey", "9.1", "valkey9"],
    ["redis", "7.1", "redis7"],
  ] as const) {
    it(`${engine}: engine, version, parameter group family and keyspace events follow the choice`, () => {
      const config = configFromEnvironment({ ECP_ENGINE: engine === "valkey" ? undefined : engine, ECP_FEATURE_STORE_CLUSTER: "true" });
      expect(config.cache.engine).to.equal(engine);
      const json = synth(config);
      const groups = of(json, "aws_elasticache_replication_group").map(([, g]) => g);
      expect(groups.map((g) => [g.engine, g.engine_version])).to.deep.equal([
        [engine, version],
        [engine, version],
      ]);
      const parameters = one(json, "aws_elasticache_parameter_group", (p) => !String(p.name).includes("features"));
      expect(parameters.config).to.deep.include({ family });
      expect(parameters.config.name).to.match(new RegExp(`^ecp-${family}-[0-9a-f]{8}$`));
      expect(parameters.config.parameter).to.deep.include({ name: "notify-keyspace-events", value: "Eg$lshzxe" });
      // Switching engines replaces the group while the cache still uses the old one.
      expect((parameters.config.lifecycle as ResourceConfig).create_before_destroy).to.equal(true);
      const main = groups.find((g) => g.num_cache_clusters);
      expect(main?.parameter_group_name).to.equal(parameters.ref("name"));
      const features = one(json, "aws_elasticache_parameter_group", (p) => String(p.name).includes("features"));
      expect(features.config).to.deep.include({ family });
      expect(groups.find((g) => g.num_node_groups)?.parameter_group_name).to.equal(features.ref("name"));
    });
  }

  it("refuses an engine or version ElastiCache does not offer, naming the setting", () => {
    expect(() => configFromEnvironment({ ECP_ENGINE: "memcached" })).to.throw('ECP_ENGINE is "memcached": use valkey (the default) or redis');
    expect(() => configFromEnvironment({ ECP_ENGINE_VERSION: "7.1" })).to.throw(/"7\.1" is not a valkey version/);
    expect(configFromEnvironment({ ECP_ENGINE: "redis" }).cache.engineVersion).to.equal("7.1");
    expect(configFromEnvironment({ ECP_ENGINE_VERSION: "7.2" }).cache.engineVersion).to.equal("7.2");
  });

  it("every gateway setting is typed in infra/config.ts, reaches the three gateway Lambdas, and is documented in one table (docs/command-api.md)", () => {
    const settings: GatewaySettings = {
      maxCommands: 20,
      maxRequestBytes: 2048,
      maxReplyBytes: 4096,
      maxKeysScanSize: 10,
      maxReplyElements: 30,
      maxOffsetBytes: 512,
      maxWorkElements: 5_000,
      maxCopyBytes: 2048,
      maxFieldsPerRequest: 2,
      allowScripts: true,
      registeredScripts: ["0123456789abcdef0123456789abcdef01234567", "myfunc"],
      allowEval: true,
      scriptTimeoutMs: 250,
      requestsPerSecond: 7,
      requestBurst: 9,
      workPerSecond: 11,
      keyPrefixes: { "sha256:0123": "tenant-a:" },
      subscriptionsPerCaller: 3,
      subscriptionsPerProcess: 40,
      streamLifetimeSeconds: 600,
      streamKeepAliveSeconds: 20,
      streamBufferBytes: 65_536,
      keyspaceChannelScopes: ["read:tenant-a:"],
    };
    const environment = Object.fromEntries(
      Object.entries(gatewayEnvironmentNames).map(([field, name]) => {
        const value = settings[field as keyof GatewaySettings];
        return [`ECP_${name}`, typeof value === "object" ? JSON.stringify(value) : String(value)];
      }),
    );
    const config: SystemConfig = configFromEnvironment(environment);
    expect(config.commandApi.gateway).to.deep.equal(settings);
    expect(configFromEnvironment({}).commandApi.gateway).to.deep.equal(defaultGatewaySettings);
    const json = synth(config);
    for (const suffix of ["command-api", "redis-rest", "redis-subscribe"]) {
      const fn = one(json, "aws_lambda_function", (f) => String(f.function_name).endsWith(suffix));
      for (const [field, name] of Object.entries(gatewayEnvironmentNames)) {
        const value = settings[field as keyof GatewaySettings];
        expect(variables(fn.config)[name], `${suffix} ${name}`).to.equal(typeof value === "object" ? JSON.stringify(value) : String(value));
      }
    }
    expect(one(json, "aws_appsync_graphql_api").config.resolver_count_limit).to.equal(2);
    expect(one(synth(defaultConfig), "aws_appsync_graphql_api").config.resolver_count_limit).to.equal(1);

    const doc = readFileSync("docs/command-api.md", "utf8");
    const table = doc.slice(doc.indexOf("## Settings"));
    for (const name of Object.values(gatewayEnvironmentNames)) expect(table, name).to.include(`\`${name}\``);
    expect(() => configFromEnvironment({ ECP_KEY_PREFIXES: '{"a": 1}' })).to.throw(/ECP_KEY_PREFIXES/);
  });
});
