// A request's commands: validated against the limits, classified, then run as one round trip.
import { RedisUnavailable, RedisReplyError, type RespConnection, type ReplyAllowance, type RespReply, type SendOptions } from "../redis/resp-connection.js";
import { classifyCommand, type ClassifiedCommand, type CommandPolicy } from "./classifier.js";
import { BadRequest, CommandRefused, TransactionAborted } from "./errors.js";
import type { CommandTable } from "./command-table.js";
import type { GatewaySettings } from "./settings.js";
import { sleep } from "../runtime/retry.js";

/** What one HTTP request has left to spend. A GraphQL document's fields share one, so aliases multiply nothing. */
export class RequestBudget {
  commands: number;
  requestBytes: number;
  replyBytes: number;
  copyBytes: number;
  /** Elements Redis may touch for the whole request: every command's walk is charged here, so bounds per command cannot add up. */
  workElements: number;
  /** Reply bytes already known before anything runs (strings read whole): together they stay within the reply limit. */
  sizedReplyBytes = 0;

  /** The per-request limits it starts from (every GraphQL field of one document together). */
  constructor(readonly settings: GatewaySettings) {
    this.commands = settings.maxCommands;
    this.requestBytes = settings.maxRequestBytes;
    this.replyBytes = settings.maxReplyBytes;
    this.copyBytes = settings.maxCopyBytes;
    this.workElements = settings.maxWorkElements;
  }

  /** "of the limit" or, once part is spent, "of what is left of the limit". */
  describe(left: number, limit: number, unit: string): string {
    return left === limit ? `the limit of ${limit} ${unit}` : `the ${left} left of the limit of ${limit} ${unit}`;
  }
}

export type RawReply = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Checks shape and limits: `commands` must be a non-empty list of non-empty lists of strings. The byte
 * limit counts the request as Redis receives it (each argument with its RESP framing, so a million empty
 * arguments count too), and stops at the first byte over it: a huge request costs no more than the limit.
 */
export function parseCommandList(input: unknown, budget: RequestBudget, options: { scalarsAsStrings?: boolean } = {}): string[][] {
  const { settings } = budget;
  if (!Array.isArray(input) || input.length === 0) throw new BadRequest("commands must be a non-empty list of commands");
  if (input.length > budget.commands)
    throw new BadRequest(`${input.length} commands exceed ${budget.describe(budget.commands, settings.maxCommands, "commands")} per request`);
  let bytes = 0;
  const charge = (n: number) => {
    bytes += n;
    if (bytes > budget.requestBytes)
      throw new BadRequest(
        `request exceeds ${budget.describe(budget.requestBytes, settings.maxRequestBytes, "bytes")} (as sent to Redis, arguments and their framing)`,
      );
  };
  const commands = input.map((command, i) => {
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
  budget.commands -= commands.length;
  budget.requestBytes -= bytes;
  return commands;
}

/** Classifies every command before anything runs; the first refusal names its command's position. */
export function classifyBatch(commands: string[][], table: CommandTable, policy: CommandPolicy): ClassifiedCommand[] {
  return commands.map((args, i) => {
    try {
      return classifyCommand(args, table, policy);
    } catch (error) {
      if (error instanceof CommandRefused && commands.length > 1) throw new CommandRefused(`${error.message} (command ${i + 1})`, error.reason);
      throw error;
    }
  });
}

async function unavailableOnConnectionError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RedisUnavailable)
      throw new RedisUnavailable(`Redis is unavailable, retry later: ${error.message}`, { cause: error, timedOut: error.timedOut });
    throw error;
  }
}

const isBusy = (reply: RespReply | Error) => reply instanceof RedisReplyError && /^(BUSY|EXECABORT.*BUSY|ERR EXEC without MULTI)/.test(reply.message);

/**
 * Redis answers BUSY to every other connection while a script runs past its threshold, and runs none of
 * what it refused: the refused tail of a pipeline is sent again once the script is gone (the gateway
 * kills it at its time limit), so a neighbour of a script waits, as it would queued behind it on one
 * connection, instead of failing. A refusal in the middle (the script ended meanwhile) stays: resending
 * it would run commands out of order.
 */
async function pastBusyScripts(send: (commands: string[][]) => Promise<RespReply[]>, commands: string[][], until: number): Promise<RespReply[]> {
  const replies = await send(commands);
  const first = replies.findIndex(isBusy);
  if (first < 0 || !replies.slice(first).every(isBusy) || Date.now() > until) return replies;
  await sleep(50);
  return [...replies.slice(0, first), ...(await pastBusyScripts(send, commands.slice(first), until))];
}

/** A transaction refused whole because a script held the server (MULTI, or a queued command, answered BUSY): nothing ran, so it runs again. */
async function transactionPastBusyScripts(run: () => Promise<RespReply[]>, until: number): Promise<RespReply[]> {
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof RedisReplyError) || !isBusy(error) || Date.now() > until) throw error;
      await sleep(50);
    }
  }
}

/** The cost rules' questions for the server (sizes, memory, the keyspace), all in one round trip before anything runs. */
async function checkWithServer(connection: RespConnection, batch: ClassifiedCommand[], until: number): Promise<void> {
  const checks = batch.flatMap((command, position) => command.checks.map((check) => ({ command, position, check })));
  if (checks.length === 0) return;
  const replies = await pastBusyScripts(
    (probes) => connection.send(probes),
    checks.flatMap((c) => c.check.probes),
    until,
  );
  let at = 0;
  for (const { command, position, check } of checks) {
    const why = check.verdict(replies.slice(at, (at += check.probes.length)));
    if (why) throw new CommandRefused(`ERR command '${command.name}' is not allowed: ${why}${batch.length > 1 ? ` (command ${position + 1})` : ""}`, "cost");
  }
}

/** Answers a command without Redis (the gateway's copy of COMMAND DOCS and COMMAND INFO), or undefined for Redis to answer. */
export type LocalAnswer = (command: ClassifiedCommand) => RespReply | undefined;

/**
 * Runs a classified batch as one pipeline (or one MULTI/EXEC) and returns one reply per command, in
 * order. The connection stops reading once the replies pass what the budget has left.
 */
export async function runBatch(
  connection: RespConnection,
  batch: ClassifiedCommand[],
  options: {
    transaction: boolean;
    allowance: ReplyAllowance;
    local: LocalAnswer;
    settled?: SendOptions["settled"];
    checked?: () => void;
    /** How long a command refused BUSY (another's script holds the server) is sent again. */
    busyWaitMs?: number;
  },
): Promise<RawReply[]> {
  const until = Date.now() + (options.busyWaitMs ?? 0);
  return unavailableOnConnectionError(async () => {
    await checkWithServer(connection, batch, until);
    // Every cost is known now (the server's sizes included): the last chance to refuse before anything runs.
    options.checked?.();
    const local = batch.map(options.local);
    const remote = batch.filter((_, i) => local[i] === undefined);
    const commands = remote.map((c) => c.args);
    // The connection spends the budget's reply bytes as replies arrive (a GraphQL document's fields share them).
    const send = { allowance: options.allowance, idempotent: remote.every((c) => c.spec.flags.includes("readonly")), settled: options.settled };
    let replies: RespReply[] = [];
    try {
      if (commands.length)
        replies = options.transaction
          ? await transactionPastBusyScripts(() => connection.transaction(commands, send), until)
          : await pastBusyScripts((tail) => connection.send(tail, send), commands, until);
    } catch (error) {
      if (error instanceof RedisReplyError) throw new TransactionAborted(error.message, { cause: error });
      throw error;
    }
    const all = local.map((answer) => answer ?? replies.shift()!);
    return all.map((value): RawReply => (value instanceof RedisReplyError ? { ok: false, error: value.message } : { ok: true, value }));
  });
}
