// Synthesis fixtures for the infrastructure suites: the stack's Terraform JSON and lookups by type.
import { expect } from "chai";
import { Testing } from "cdktf";
import { auroraDefaults, defaultConfig, type SystemConfig } from "../../infra/config.js";
import type { ResourceConfig, TerraformJson } from "../../infra/policy/rules.js";
import { ElastiCachePatternsStack } from "../../infra/stacks/system-stack.js";

export type Json = TerraformJson & {
  output?: Record<string, { value: unknown; sensitive?: boolean }>;
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown>;
  data?: Record<string, Record<string, ResourceConfig>>;
};

/** Both SQL destinations on (an Aurora cluster per engine behind RDS Proxy), with a mapping to each. */
export const withSqlDestinations = (config: SystemConfig = defaultConfig): SystemConfig => ({
  ...config,
  changeFeed: {
    ...config.changeFeed,
    sql: {
      postgres: {
        mode: "aurora",
        databaseName: "changefeed",
        engineVersion: auroraDefaults.postgres.engineVersion,
        minCapacity: 0.5,
        maxCapacity: 4,
        deletionProtection: false,
      },
      mysql: {
        mode: "aurora",
        databaseName: "changefeed",
        engineVersion: auroraDefaults.mysql.engineVersion,
        minCapacity: 0.5,
        maxCapacity: 4,
        deletionProtection: false,
      },
    },
    mappings: [
      ...config.changeFeed.mappings,
      { name: "people-postgres", pattern: "person{id}", destination: "postgres", table: "people", columns: { firstName: "text" } },
      { name: "people-mysql", pattern: "person{id}", destination: "mysql", table: "people", columns: { firstName: "text" } },
    ],
  },
});

export const synth = (config: SystemConfig = defaultConfig): Json =>
  JSON.parse(Testing.synth(new ElastiCachePatternsStack(Testing.app(), "test", config))) as Json;
export const of = (json: Json, type: string) => Object.entries(json.resource?.[type] ?? {});
/** The one resource of `type` matching `where`, with a reference builder (`${type.name.attr}`). */
export const one = (json: Json, type: string, where: (r: ResourceConfig) => boolean = () => true) => {
  const found = of(json, type).filter(([, r]) => where(r));
  expect(found, `${type} matching`).to.have.length(1);
  return { name: found[0][0], config: found[0][1], ref: (attr: string) => `\${${type}.${found[0][0]}.${attr}}` };
};
