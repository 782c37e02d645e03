// A request's commands: validated against the limits, classified, then run as one round trip.
import type { Redis } from "ioredis";
import { classifyCommand, CommandRefused, type ClassifiedCommand, type CommandPolicy } from "./classifier.js";
import type { CommandTable } from "./command-table.js";

export interface BatchLimits {
  maxCommands: number;
  /** Sum of every argument's UTF-8 length. */
  maxRequestBytes: number;
  /** Replies past this many bytes, counted in order, become errors (their commands still ran). */
  maxReplyBytes: number;
  /** KEYS is refused on a keyspace larger than this. */
  maxKeysScanSize: number;
}

export const defaultLimits: BatchLimits = { maxCommands: 1_000, maxRequestBytes: 1 << 20, maxReplyBytes: 4 << 20, maxKeysScanSize: 1_000 };

/** The request itself is malformed or over a limit: nothing ran. */
export class BadRequest extends Error {
  override name = "BadRequest";
}

/** MULTI/EXEC was discarded as a whole (EXECABORT): nothing of it ran. */
export class TransactionAborted extends Error {
  override name = "TransactionAborted";
}

/** Redis did not answer: the caller may retry. */
export class RedisUnavailable extends Error {
  override name = "RedisUnavailable";
  readonly retryable = true;
}

export type RawReply = { ok: true; value: unknown } | { ok: false; error: string };

/** Checks shape and limits: `commands` must be a non-empty list of non-empty lists of strings. */
export function parseCommandList(input: unknown, limits: BatchLimits, options: { scalarsAsStrings?: boolean } = {}): string[][] {
  if (!Array.isArray(input) || input.length === 0) throw new BadRequest("commands must be a non-empty list of commands");
  if (input.length > limits.maxCommands) throw new BadRequest(`${input.length} commands exceed the limit of ${limits.maxCommands} per request`);
  let bytes = 0;
  const commands = input.map((command, i) => {
    if (!Array.isArray(command) || command.length === 0) throw new BadRequest(`commands[${i}] must be a non-empty list of strings`);
    return command.map((arg, j) => {
      const scalar = options.scalarsAsStrings && (typeof arg === "number" || typeof arg === "boolean");
      if (typeof arg !== "string" && !scalar) throw new BadRequest(`commands[${i}][${j}] is ${arg === null ? "null" : typeof arg}, not a string`);
      const text = String(arg);
      bytes += Buffer.byteLength(text);
      return text;
    });
  });
  if (bytes > limits.maxRequestBytes) throw new BadRequest(`request of ${bytes} bytes exceeds the limit of ${limits.maxRequestBytes}`);
  return commands;
}

/** Classifies every command before anything runs; the first refusal names its command's position. */
export function classifyBatch(commands: string[][], table: CommandTable, policy: CommandPolicy): ClassifiedCommand[] {
  return commands.map((args, i) => {
    try {
      return classifyCommand(args, table, policy);
    } catch (error) {
      if (error instanceof CommandRefused) throw new CommandRefused(commands.length > 1 ? `${error.message} (command ${i + 1})` : error.message);
      throw error;
    }
  });
}

const isConnectionError = (error: unknown) =>
  error instanceof Error &&
  /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|Command timed out|max retries per request|EHOSTUNREACH|ENOTFOUND/i.test(error.message);

async function unavailableOnConnectionError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isConnectionError(error)) throw new RedisUnavailable(`Redis is unavailable, retry later: ${(error as Error).message}`);
    throw error;
  }
}

/** Checks that need the server (KEYS on a large keyspace, movable keys under a prefix), in one round trip. */
async function checkWithServer(client: Redis, batch: ClassifiedCommand[], policy: CommandPolicy, limits: BatchLimits): Promise<void> {
  const needsDbSize = batch.some((c) => c.needsSmallKeyspace);
  const movable = policy.keyPrefix === undefined ? [] : batch.filter((c) => c.keys === undefined);
  if (!needsDbSize && movable.length === 0) return;
  const pipeline = client.pipeline();
  if (needsDbSize) pipeline.dbsize();
  for (const c of movable) pipeline.call("COMMAND", "GETKEYS", ...c.args);
  const results = (await pipeline.exec()) ?? [];
  if (needsDbSize) {
    const [, size] = results.shift()!;
    if (Number(size) > limits.maxKeysScanSize) {
      throw new CommandRefused(`ERR command 'keys' is not allowed on a keyspace of ${size} keys (limit ${limits.maxKeysScanSize}): use SCAN`);
    }
  }
  movable.forEach((c, i) => {
    const [error, keys] = results[i];
    const outside = error ? undefined : (keys as string[]).find((k) => !k.startsWith(policy.keyPrefix!));
    if (error || outside !== undefined) {
      throw new CommandRefused(`ERR command '${c.name}' is not allowed: key '${outside ?? "?"}' is outside your key prefix '${policy.keyPrefix}'`);
    }
  });
}

const replySize = (value: unknown): number =>
  Buffer.isBuffer(value) ? value.length : Array.isArray(value) ? value.reduce((n: number, v) => n + replySize(v), 0) : 8;

/** Runs a classified batch as one pipeline (or one MULTI/EXEC) and returns one reply per command, in order. */
export async function runBatch(
  client: Redis,
  batch: ClassifiedCommand[],
  options: { transaction: boolean; policy: CommandPolicy; limits: BatchLimits },
): Promise<RawReply[]> {
  return unavailableOnConnectionError(async () => {
    await checkWithServer(client, batch, options.policy, options.limits);
    const pipeline = options.transaction ? client.multi() : client.pipeline();
    // Buffers keep values binary-safe; each protocol decides how to encode them.
    // Upper-case names: ioredis keys its reply transformers (hgetall -> object, ...) by lower-case
    // name, and the protocols want Redis's own reply shapes.
    for (const { args } of batch) pipeline.callBuffer(args[0].toUpperCase(), ...args.slice(1));
    let results: [Error | null, unknown][];
    try {
      results = (await pipeline.exec()) ?? [];
    } catch (error) {
      if (isConnectionError(error)) throw error;
      throw new TransactionAborted((error as Error).message);
    }
    // A pipeline resolves even when the connection dropped: each command then carries that error.
    const lost = results.find(([error]) => isConnectionError(error));
    if (lost) throw lost[0];
    let budget = options.limits.maxReplyBytes;
    return results.map(([error, value]): RawReply => {
      if (error) return { ok: false, error: error.message };
      budget -= replySize(value);
      if (budget < 0) return { ok: false, error: `ERR reply dropped: replies exceed the limit of ${options.limits.maxReplyBytes} bytes per request` };
      return { ok: true, value };
    });
  });
}
