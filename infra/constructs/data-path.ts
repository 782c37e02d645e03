// What every data-path construct is built from.
import type { SystemConfig } from "../config.js";
import type { Cache } from "./cache.js";
import type { Encryption } from "./encryption.js";
import type { Network } from "./network.js";

export interface DataPathProps {
  name: string;
  config: SystemConfig;
  encryption: Encryption;
  network: Network;
  cache: Cache;
}
