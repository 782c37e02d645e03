// Structured JSON logs through Powertools for AWS Lambda's Logger: one object a line, the level from
// the environment (POWERTOOLS_LOG_LEVEL, or the function's own log level), the Lambda context and a
// correlation id added by `instrument` (observability.ts). Cores take the small Logger interface.
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";

export type Fields = Record<string, unknown>;

/** What cores log through: a message and its fields (Powertools' Logger is one). */
export interface Logger {
  info(message: string, ...fields: Fields[]): void;
  warn(message: string, ...fields: Fields[]): void;
  error(message: string, ...fields: Fields[]): void;
}

export { PowertoolsLogger };

export const createLogger = (service: string): PowertoolsLogger => new PowertoolsLogger({ serviceName: service });

/** For tests and benchmarks: keeps every entry in memory. */
export function memoryLogger(): Logger & { entries: Fields[] } {
  const entries: Fields[] = [];
  const push =
    (level: string) =>
    (message: string, ...fields: Fields[]) =>
      void entries.push(fields.reduce<Fields>((all, f) => ({ ...all, ...f }), { level, message }));
  return { entries, info: push("info"), warn: push("warn"), error: push("error") };
}
