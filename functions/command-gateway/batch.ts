// A request's commands: validated against the limits, classified, then run as one round trip.
import { RedisConnectionError, RedisReplyError, type RespConnection, type RespReply } from "../shared/redis/resp-connection.js";
import { classifyCommand, type ClassifiedCommand, type CommandPolicy } from "./classifier.js";
import { BadRequest, CommandRefused, RedisUnavailable, TransactionAborted } from "./errors.js";
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

export type RawReply = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Checks shape and limits: `commands` must be a non-empty list of non-empty lists of strings. The byte
 * limit counts the request as Redis receives it (each argument with its RESP framing, so a million empty
 * arguments count too), and stops at the first byte over it: a huge request costs no more than the limit.
 */
export function parseCommandList(input: unknown, limits: BatchLimits, options: { scalarsAsStrings?: boolean } = {}): string[][] {
  if (!Array.isArray(input) || input.length === 0) throw new BadRequest("commands must be a non-empty list of commands");
  if (input.length > limits.maxCommands) throw new BadRequest(`${input.length} commands exceed the limit of ${limits.maxCommands} per request`);
  let bytes = 0;
  const charge = (n: number) => {
    bytes += n;
    if (bytes > limits.maxRequestBytes)
      throw new BadRequest(`request exceeds the limit of ${limits.maxRequestBytes} bytes (as sent to Redis, arguments and their framing)`);
  };
  return input.map((command, i) => {
    if (!Array.isArray(command) || command.length === 0) throw new BadRequest(`commands[${i}] must be a non-empty list of strings`);
    charge(String(command.length).length + 3);
    return command.map((arg, j) => {
      const scalar = options.scalarsAsStrings && (typeof arg === "number" || typeof arg === "boolean");
      if (typeof arg !== "string" && !scalar) throw new BadRequest(`commands[${i}][${j}] is ${arg === null ? "null" : typeof arg}, not a string`);
      const text = String(arg);
      const length = Buffer.byteLength(text);
      // `$<length>\r\n<bytes>\r\n`
      charge(length + String(length).length + 5);
      return text;
    });
  });
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

async function unavailableOnConnectionError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RedisConnectionError) throw new RedisUnavailable(`Redis is unavailable, retry later: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Checks that need the server (KEYS on a large keyspace, movable keys under a prefix), in one round trip. */
async function checkWithServer(connection: RespConnection, batch: ClassifiedCommand[], policy: CommandPolicy, limits: BatchLimits): Promise<void> {
  const needsDbSize = batch.some((c) => c.needsSmallKeyspace);
  const movable = policy.keyPrefix === undefined ? [] : batch.filter((c) => c.keys === undefined);
  if (!needsDbSize && movable.length === 0) return;
  const results = await connection.send([...(needsDbSize ? [["DBSIZE"]] : []), ...movable.map((c) => ["COMMAND", "GETKEYS", ...c.args])]);
  if (needsDbSize) {
    const size = results.shift();
    if (Number(size) > limits.maxKeysScanSize) {
      throw new CommandRefused(`ERR command 'keys' is not allowed on a keyspace of ${size} keys (limit ${limits.maxKeysScanSize}): use SCAN`);
    }
  }
  movable.forEach((c, i) => {
    const keys = results[i];
    const outside = Array.isArray(keys) ? keys.map(String).find((k) => !k.startsWith(policy.keyPrefix!)) : undefined;
    if (!Array.isArray(keys) || outside !== undefined) {
      throw new CommandRefused(`ERR command '${c.name}' is not allowed: key '${outside ?? "?"}' is outside your key prefix '${policy.keyPrefix}'`);
    }
  });
}

const replySize = (value: RespReply): number =>
  Buffer.isBuffer(value) ? value.length : Array.isArray(value) ? value.reduce((n: number, v) => n + replySize(v), 0) : 8;

/** Runs a classified batch as one pipeline (or one MULTI/EXEC) and returns one reply per command, in order. */
export async function runBatch(
  connection: RespConnection,
  batch: ClassifiedCommand[],
  options: { transaction: boolean; policy: CommandPolicy; limits: BatchLimits },
): Promise<RawReply[]> {
  return unavailableOnConnectionError(async () => {
    await checkWithServer(connection, batch, options.policy, options.limits);
    const commands = batch.map((c) => c.args);
    let replies: RespReply[];
    try {
      replies = options.transaction ? await connection.transaction(commands) : await connection.send(commands);
    } catch (error) {
      if (error instanceof RedisReplyError) throw new TransactionAborted(error.message, { cause: error });
      throw error;
    }
    let budget = options.limits.maxReplyBytes;
    return replies.map((value): RawReply => {
      if (value instanceof RedisReplyError) return { ok: false, error: value.message };
      budget -= replySize(value);
      if (budget < 0) return { ok: false, error: `ERR reply dropped: replies exceed the limit of ${options.limits.maxReplyBytes} bytes per request` };
      return { ok: true, value };
    });
  });
}
