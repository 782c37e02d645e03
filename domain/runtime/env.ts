// One way to read configuration: each function's config.ts reads its environment through these, at
// init, and a missing or invalid value stops the container with a message naming the variable.
import { ConfigError } from "./errors.js";

export type Environment = Readonly<Record<string, string | undefined>>;

export interface EnvironmentReader {
  /** A non-empty string; `why` says what the value is for when it is missing. */
  string(name: string, why: string): string;
  /** A string, or `fallback` when unset or empty. */
  optionalString(name: string): string | undefined;
  /** A whole number > 0 (>= 0 with `{ zero: true }`), or `fallback` when unset. */
  positiveInteger(name: string, fallback: number, options?: { zero?: boolean }): number;
  /** `true` or `false`, or `fallback` when unset. */
  flag(name: string, fallback: boolean): boolean;
  /** JSON text checked by `parse` (which throws with the reason), or `fallback` when unset. */
  json<T>(name: string, fallback: T, parse: (value: unknown) => T, example: string): T;
}

export function readEnvironment(env: Environment): EnvironmentReader {
  const raw = (name: string) => {
    const value = env[name];
    return value === undefined || value === "" ? undefined : value;
  };
  return {
    string(name, why) {
      const value = raw(name);
      if (value === undefined) throw new ConfigError(`${name} is not set: ${why}`);
      return value;
    },
    optionalString: raw,
    positiveInteger(name, fallback, options = {}) {
      const value = raw(name);
      if (value === undefined) return fallback;
      const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || (n === 0 && !options.zero)) {
        throw new ConfigError(`${name} must be a whole number ${options.zero ? ">= 0" : "> 0"}, got "${value}"`);
      }
      return n;
    },
    flag(name, fallback) {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (value !== "true" && value !== "false") throw new ConfigError(`${name} must be true or false, got "${value}"`);
      return value === "true";
    },
    json(name, fallback, parse, example) {
      const value = raw(name);
      if (value === undefined) return fallback;
      try {
        return parse(JSON.parse(value));
      } catch (error) {
        throw new ConfigError(`${name} must be JSON such as ${example}: ${error instanceof Error ? error.message : error}`, { cause: error });
      }
    },
  };
}
