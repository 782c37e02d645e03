// The change writer's settings: the tables its role may write to.
import { readEnvironment, type Environment } from "../../domain/runtime/env.js";

export interface ChangeWriterConfig {
  /** Empty: any table (its IAM role still decides). */
  allowedTables: Set<string>;
}

export function changeWriterConfig(environment: Environment): ChangeWriterConfig {
  const tables = readEnvironment(environment).optionalString("ALLOWED_TABLES") ?? "";
  return { allowedTables: new Set(tables.split(",").filter(Boolean)) };
}
