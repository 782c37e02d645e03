// CommandGateway: the one command core behind the GraphQL API and the Upstash-compatible REST API.
import { createHash } from "node:crypto";
import { RespConnection } from "../shared/redis/resp-connection.js";
import type { Access, ClassifiedCommand } from "./classifier.js";
import { classifyBatch, parseCommandList, RequestBudget, runBatch, type BatchLimits, type RawReply } from "./batch.js";
import { deserializeTable, parseCommandReply, withCountArguments, type CommandTable, type ShippedTable } from "./command-table.js";
import { parseCountArguments } from "./argument-bounds.js";
import { RedisUnavailable, ScriptKilled } from "./errors.js";
import fallback from "./redis-commands.json" with { type: "json" };

export interface GatewayConfig {
  /** Per HTTP request: a GraphQL document's fields share them. */
  limits: BatchLimits;
  allowScripts: boolean;
  /** A script still running after this long is killed (SCRIPT KILL / FUNCTION KILL on its own connection). */
  scriptTimeoutMs: number;
  /** Root fields (aliases included) one GraphQL document may hold; AppSync's resolver count limit in AWS. */
  maxFieldsPerRequest: number;
  /** Caller id (see `callerId`) -> the key prefix that caller is confined to. */
  keyPrefixes: Record<string, string>;
}

export interface GatewayRequest {
  access: Access;
  transaction: boolean;
  /** Who is calling, for key-prefix scoping. */
  caller?: string;
  /** REST clients send numbers and booleans as arguments; GraphQL's schema already insists on strings. */
  scalarsAsStrings?: boolean;
  /** Shared by every call one HTTP request makes; a fresh budget when absent. */
  budget?: RequestBudget;
}

export interface CommandResult {
  command: ClassifiedCommand;
  reply: RawReply;
}

/** A stable id for a secret credential (API key, token) that never puts the secret itself in config or logs. */
export const callerId = (secret: string) => callerIdOfDigest(createHash("sha256").update(secret).digest());

/** The same id from the secret's SHA-256 digest, for callers that already hold it. */
export const callerIdOfDigest = (digest: Buffer) => `sha256:${digest.toString("hex", 0, 16)}`;

/** The table generated from a real server and shipped with the bundle; `engine` and `version` name that server. */
export const shippedTable = fallback as unknown as ShippedTable;
const fallbackTable = () => deserializeTable(shippedTable.commands);
const shippedCounts = () => Object.fromEntries(Object.entries(shippedTable.commands).flatMap(([name, entry]) => (entry[6] ? [[name, entry[6]]] : [])));

const scriptKill: Record<string, string[]> = { eval: ["SCRIPT", "KILL"], evalsha: ["SCRIPT", "KILL"], fcall: ["FUNCTION", "KILL"] };

export class CommandGateway {
  private table?: Promise<CommandTable>;
  private tableRead?: CommandTable;

  constructor(
    readonly connection: RespConnection,
    readonly config: GatewayConfig,
  ) {}

  /** COMMAND DOCS, read after the table: until it arrives the shipped count arguments stand in. */
  docs?: Promise<void>;

  /** The server's own command table, read once; the generated table when the server will not say. */
  commandTable(): Promise<CommandTable> {
    this.table ??= this.connection
      .send([["COMMAND"]])
      .then(
        ([info]) => {
          if (!Array.isArray(info)) return fallbackTable();
          const table = withCountArguments(parseCommandReply(info), shippedCounts());
          // Off the cold start's path: the docs are a large reply, and the shipped arguments cover the same commands meanwhile.
          this.docs = this.connection.send([["COMMAND", "DOCS"]]).then(
            ([docs]) => {
              if (!Array.isArray(docs)) return;
              const live = parseCountArguments(docs);
              for (const [name, spec] of table) spec.counts = live[name];
            },
            () => undefined,
          );
          return table;
        },
        () => fallbackTable(),
      )
      .then((table) => (this.tableRead = table));
    return this.table;
  }

  /** Validates, classifies every command, then runs them all in one round trip. */
  async run(input: unknown, request: GatewayRequest): Promise<CommandResult[]> {
    const budget = request.budget ?? new RequestBudget(this.config.limits);
    const commands = parseCommandList(input, budget, { scalarsAsStrings: request.scalarsAsStrings });
    const policy = {
      access: request.access,
      allowScripts: this.config.allowScripts,
      keyPrefix: request.caller === undefined ? undefined : this.config.keyPrefixes[request.caller],
      bounds: this.config.limits,
    };
    const batch = classifyBatch(commands, this.tableRead ?? (await this.commandTable()), policy);
    const running = runBatch(this.connection, batch, { transaction: request.transaction, policy, budget });
    const kill = batch.map((c) => scriptKill[c.name.replace(/_ro$/, "")]).find(Boolean);
    const replies = kill ? await this.killIfSlow(running, kill) : await running;
    return batch.map((command, i) => ({ command, reply: replies[i] }));
  }

  /**
   * Redis runs one script at a time and answers BUSY to everyone else while it runs: a script past
   * the time limit is killed from a connection of its own (the shared one waits behind the script).
   */
  private async killIfSlow(running: Promise<RawReply[]>, kill: string[]): Promise<RawReply[]> {
    let killed: Promise<string> | undefined;
    const timer = setTimeout(() => {
      const killer = new RespConnection({ ...this.connection.options, commandTimeoutMs: 10_000 });
      killed = killer
        .send([kill])
        .then(([reply]) => String(reply instanceof Error ? reply.message : reply))
        .catch((error: Error) => error.message)
        .finally(() => killer.close());
    }, this.config.scriptTimeoutMs);
    try {
      // A killed script's own reply says so ("Script killed by user with SCRIPT KILL").
      return await running;
    } catch (error) {
      if (killed && error instanceof RedisUnavailable) {
        throw new ScriptKilled(`ERR script ran past the limit of ${this.config.scriptTimeoutMs} ms; ${kill.join(" ")} answered: ${await killed}`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
