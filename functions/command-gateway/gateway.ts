// CommandGateway: the one command core behind the GraphQL API and the Upstash-compatible REST API.
import { createHash } from "node:crypto";
import type { RespConnection } from "../shared/redis/resp-connection.js";
import type { Access, ClassifiedCommand } from "./classifier.js";
import { classifyBatch, parseCommandList, runBatch, type BatchLimits, type RawReply } from "./batch.js";
import { deserializeTable, parseCommandReply, type CommandTable, type SerializedTable } from "./command-table.js";
import fallback from "./redis-commands.json" with { type: "json" };

export interface GatewayConfig {
  limits: BatchLimits;
  allowScripts: boolean;
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
}

export interface CommandResult {
  command: ClassifiedCommand;
  reply: RawReply;
}

/** A stable id for a secret credential (API key, token) that never puts the secret itself in config or logs. */
export const callerId = (secret: string) => callerIdOfDigest(createHash("sha256").update(secret).digest());

/** The same id from the secret's SHA-256 digest, for callers that already hold it. */
export const callerIdOfDigest = (digest: Buffer) => `sha256:${digest.toString("hex", 0, 16)}`;

/** The table generated from a real server and shipped with the bundle. */
const shippedTable = () => deserializeTable((fallback as unknown as { commands: SerializedTable }).commands);

export class CommandGateway {
  private table?: Promise<CommandTable>;
  private tableRead?: CommandTable;

  constructor(
    readonly connection: RespConnection,
    readonly config: GatewayConfig,
  ) {}

  /** The server's own command table, read once; the generated table when the server will not say. */
  commandTable(): Promise<CommandTable> {
    this.table ??= this.connection
      .send([["COMMAND"]])
      .then(
        ([reply]) => (Array.isArray(reply) ? parseCommandReply(reply) : shippedTable()),
        () => shippedTable(),
      )
      .then((table) => (this.tableRead = table));
    return this.table;
  }

  /** Validates, classifies every command, then runs them all in one round trip. */
  async run(input: unknown, request: GatewayRequest): Promise<CommandResult[]> {
    const commands = parseCommandList(input, this.config.limits, { scalarsAsStrings: request.scalarsAsStrings });
    const policy = {
      access: request.access,
      allowScripts: this.config.allowScripts,
      keyPrefix: request.caller === undefined ? undefined : this.config.keyPrefixes[request.caller],
    };
    const batch = classifyBatch(commands, this.tableRead ?? (await this.commandTable()), policy);
    const replies = await runBatch(this.connection, batch, { transaction: request.transaction, policy, limits: this.config.limits });
    return batch.map((command, i) => ({ command, reply: replies[i] }));
  }
}
