// Structured JSON logs, one object a line (CloudWatch Logs Insights and `jq` read them as they are).
export type Fields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

export function createLogger(service: string, write: (line: string) => void = (line) => process.stdout.write(line + "\n")): Logger {
  const emit =
    (level: string) =>
    (message: string, fields: Fields = {}) =>
      write(JSON.stringify({ time: new Date().toISOString(), level, service, message, ...fields }));
  return { info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** For tests and benchmarks: keeps every entry in memory. */
export function memoryLogger(): Logger & { entries: Fields[] } {
  const entries: Fields[] = [];
  const push =
    (level: string) =>
    (message: string, fields: Fields = {}) =>
      void entries.push({ level, message, ...fields });
  return { entries, info: push("info"), warn: push("warn"), error: push("error") };
}
