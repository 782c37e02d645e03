// The listener's configuration file (JSON), written by user-data on EC2 and by the tests locally.
import { hostname } from "node:os";
import { defaultListenerConfig, type ListenerConfig } from "./listener.js";

export interface ListenerFileConfig {
  redisUrl: string;
  /** A cluster-mode-enabled group: subscribe on every primary. */
  cluster?: boolean;
  /** Secrets Manager secret with the AUTH token (AWS). */
  redisAuthSecretArn?: string;
  region?: string;
  /** Local stand-ins; unset in AWS. */
  dynamodbEndpoint?: string;
  lambdaEndpoint?: string;
  mappingFile?: string;
  listener?: Partial<ListenerConfig>;
}

export function listenerConfigOf(file: ListenerFileConfig): ListenerConfig {
  return { ...defaultListenerConfig, consumer: `${hostname()}-${process.pid}`, ...file.listener };
}
