// The keeper's settings, read once per container from its environment (set by the infrastructure).
import { readEnvironment, type Environment } from "../../domain/runtime/env.js";
import type { KeeperConfig } from "../../domain/replica-dns/keeper.js";

export function keeperConfig(environment: Environment): KeeperConfig & { zoneId: string } {
  const env = readEnvironment(environment);
  const why = "the keeper needs it to know what to manage";
  return {
    groupId: env.string("REPLICATION_GROUP_ID", why),
    zoneId: env.string("HOSTED_ZONE_ID", why),
    naming: {
      template: env.string("CNAME_TEMPLATE", why),
      ttl: env.positiveInteger("RECORD_TTL", 10, { zero: true }),
      readerName: env.optionalString("READER_NAME"),
      primaryName: env.optionalString("PRIMARY_NAME"),
    },
  };
}
