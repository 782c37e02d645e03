// The keeper's settings, read once per container from its environment (set by the infrastructure).
import type { KeeperConfig } from "./keeper.js";

export function keeperConfigFromEnvironment(env: NodeJS.ProcessEnv): KeeperConfig & { zoneId: string } {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: the keeper needs it to know what to manage`);
    return value;
  };
  const ttl = Number(env.RECORD_TTL ?? 10);
  return {
    groupId: required("REPLICATION_GROUP_ID"),
    zoneId: required("HOSTED_ZONE_ID"),
    naming: {
      template: required("CNAME_TEMPLATE"),
      ttl,
      readerName: env.READER_NAME || undefined,
      primaryName: env.PRIMARY_NAME || undefined,
    },
  };
}
