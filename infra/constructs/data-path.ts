// What every data-path construct is built from.
import type { SystemConfig } from "../config.js";
import type { Cache } from "./cache.js";
import type { EngineUsers } from "./engine-users.js";
import type { Encryption } from "./encryption.js";
import type { Network } from "./network.js";
import type { FunctionDefaults } from "./nodejs-function.js";

export interface DataPathProps {
  name: string;
  config: SystemConfig;
  encryption: Encryption;
  network: Network;
  cache: Cache;
  users: EngineUsers;
}

/** The settings every function of a data path shares. */
export const functionDefaults = (props: DataPathProps): FunctionDefaults => ({
  namePrefix: props.name,
  encryption: props.encryption,
  logRetentionDays: props.config.logRetentionDays,
});
