// CommandGateway: the one command core behind the GraphQL API and the Upstash-compatible REST API.
import { createHash } from "node:crypto";
import {
  OutcomeUnknown,
  RedisUnavailable,
  ReplyTooLarge,
  RespConnection,
  RedisReplyError,
  respSize,
  type ReplyAllowance,
  type RespReply,
} from "../redis/resp-connection.js";
import type { Access, ClassifiedCommand } from "./classifier.js";
import { classifyBatch, parseCommandList, RequestBudget, runBatch, type RawReply } from "./batch.js";
import { deserializeTable, docsByName, parseCommandReply, withDocs, type CommandGrammar, type CommandTable, type ShippedTable } from "./command-table.js";
import { ScriptKilled } from "./errors.js";
import { recordCommandList } from "./gateway-metrics.js";
import { RateLimits } from "./rate-limits.js";
import { ScopedConnections, type EngineUsers } from "./scoped-connections.js";
import { StreamLimits } from "./subscriptions.js";
import fallback from "./redis-commands.json" with { type: "json" };
import { PathMetrics } from "../runtime/metrics.js";
import type { GatewaySettings } from "./settings.js";

/** What a gateway works with besides its settings. */
export interface GatewayServices {
  /** Where each command list's request, latency, reply bytes and outcome are counted (flushed by the caller). */
  metrics?: PathMetrics;
  /** The engine user of each scope; absent: every scope runs on the gateway's one connection. */
  engineUsers?: EngineUsers;
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
  /** How many times the response repeats each reply (GraphQL aliases of `value`): each reply byte costs that many. */
  copies?: number;
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
/** The shipped table's grammars, standing in for the live server's until its COMMAND DOCS arrives. */
const shippedGrammars = () => new Map([...fallbackTable()].flatMap(([name, spec]): [string, CommandGrammar][] => (spec.doc ? [[name, spec.doc]] : [])));

/** The server's own introspection replies, kept raw so the gateway answers them (they never reach Redis again). */
interface Introspection {
  /** COMMAND's entries by name (subcommands as `config|get`). */
  info: Map<string, RespReply>;
  /** Top-level command names, as COMMAND LIST gives them. */
  names: RespReply[];
  /** COMMAND DOCS's entries by name, once read. */
  docs?: Map<string, [RespReply, RespReply]>;
}

/** The budget's reply bytes as seen by a reply the response repeats `copies` times: each byte costs `copies`. */
function copiesOf(budget: RequestBudget, copies: number): ReplyAllowance & { settings: { maxReplyBytes: number } } {
  if (copies <= 1) return budget;
  return {
    settings: budget.settings,
    get replyBytes() {
      return budget.replyBytes / copies;
    },
    set replyBytes(left: number) {
      budget.replyBytes = left * copies;
    },
  };
}

const text = (reply: RespReply | undefined) => (Buffer.isBuffer(reply) ? reply.toString("utf8").toLowerCase() : String(reply).toLowerCase());

function introspectionOf(info: RespReply[]): Introspection {
  const entries = new Map<string, RespReply>();
  const add = (entry: RespReply) => {
    if (!Array.isArray(entry)) return;
    entries.set(text(entry[0]), entry);
    if (Array.isArray(entry[9])) entry[9].forEach(add);
  };
  info.forEach(add);
  return { info: entries, names: info.flatMap((entry) => (Array.isArray(entry) ? [entry[0]] : [])) };
}

const scriptKill: Record<string, string[]> = { eval: ["SCRIPT", "KILL"], evalsha: ["SCRIPT", "KILL"], fcall: ["FUNCTION", "KILL"] };

export class CommandGateway {
  private table?: Promise<CommandTable>;
  private tableRead?: CommandTable;
  private introspection?: Introspection;
  readonly connections: ScopedConnections;
  readonly metrics: PathMetrics;
  private readonly rates: RateLimits;
  /** Subscription streams open on this process, per caller and in all. */
  readonly streams: StreamLimits;

  constructor(
    /** The gateway's own connection: its table is read here (as the read scope's user, where there are users). */
    readonly connection: RespConnection,
    readonly settings: GatewaySettings,
    services: GatewayServices = {},
  ) {
    this.metrics = services.metrics ?? new PathMetrics("command-gateway", () => {});
    this.connections = new ScopedConnections(connection, services.engineUsers);
    this.rates = new RateLimits(settings);
    this.streams = new StreamLimits(settings);
  }

  /** COMMAND DOCS, read after the table: until it arrives the shipped grammars stand in. */
  docs?: Promise<void>;

  /** The server's own command table, read once; the generated table when the server will not say. */
  commandTable(): Promise<CommandTable> {
    this.table ??= this.connection
      .send([["COMMAND"]])
      .then(
        ([info]) => {
          if (!Array.isArray(info)) return fallbackTable();
          const table = withDocs(parseCommandReply(info), shippedGrammars());
          this.introspection = introspectionOf(info);
          // Off the cold start's path: the docs are a large reply, and the shipped grammars cover the same commands meanwhile.
          this.docs = this.connection.send([["COMMAND", "DOCS"]]).then(
            ([docs]) => {
              if (!Array.isArray(docs)) return;
              withDocs(table, docsByName(docs));
              const raw = new Map<string, [RespReply, RespReply]>();
              for (let i = 0; i + 1 < docs.length; i += 2) raw.set(text(docs[i]), [docs[i], docs[i + 1]]);
              this.introspection!.docs = raw;
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

  /** Validates, classifies every command, then runs them all in one round trip; counted in `metrics`. */
  async run(input: unknown, request: GatewayRequest): Promise<CommandResult[]> {
    const budget = request.budget ?? new RequestBudget(this.settings);
    const [started, bytesLeft] = [performance.now(), budget.replyBytes];
    const outcome = (error?: unknown) => ({ elapsedMs: performance.now() - started, replyBytes: bytesLeft - budget.replyBytes, error });
    try {
      const results = await this.runCommandList(input, { ...request, budget });
      recordCommandList(this.metrics, outcome());
      return results;
    } catch (error) {
      recordCommandList(this.metrics, outcome(error));
      throw error;
    }
  }

  private async runCommandList(input: unknown, request: GatewayRequest & { budget: RequestBudget }): Promise<CommandResult[]> {
    const { budget } = request;
    // A caller the edge could not name (a local test harness) has no bucket of its own.
    if (request.caller !== undefined) this.rates.admit(request.caller);
    const commands = parseCommandList(input, budget, { scalarsAsStrings: request.scalarsAsStrings });
    const policy = {
      access: request.access,
      allowScripts: this.settings.allowScripts,
      keyPrefix: request.caller === undefined ? undefined : this.settings.keyPrefixes[request.caller],
      settings: this.settings,
      allowance: budget,
    };
    const work = budget.workElements;
    const batch = classifyBatch(commands, this.tableRead ?? (await this.commandTable()), policy);
    // The request's work (the server's sizes included) is charged to the caller's rate once the probes have answered.
    const checked = () => request.caller !== undefined && this.rates.charge(request.caller, work - budget.workElements);
    // The engine confines the caller again: its commands run as its scope's own engine user, on a
    // connection this request holds alone (whatever Redis does to it reaches no other request).
    return this.connections.use({ access: request.access, prefix: policy.keyPrefix }, (connection) => this.runOn(connection, batch, request, budget, checked));
  }

  private async runOn(
    connection: RespConnection,
    batch: ClassifiedCommand[],
    request: GatewayRequest & { budget: RequestBudget },
    budget: RequestBudget,
    checked: () => void,
  ): Promise<CommandResult[]> {
    if (batch.some((c) => c.name === "command|docs")) await this.docs;
    const allowance = copiesOf(budget, request.copies ?? 1);
    const local = (command: ClassifiedCommand) => this.answerLocally(command, allowance);
    const kill = batch.map((c) => scriptKill[c.name.replace(/_ro$/, "")]).find(Boolean);
    const watch = kill ? this.watchScript(kill, connection) : undefined;
    try {
      const replies = await runBatch(connection, batch, {
        transaction: request.transaction,
        allowance,
        local,
        settled: watch?.settled,
        checked,
        // A script is killed past the time limit, once the engine takes the kill (its busy threshold, 5 s in ElastiCache).
        busyWaitMs: this.settings.scriptTimeoutMs + 5_000,
      });
      return batch.map((command, i) => ({ command, reply: replies[i] }));
    } catch (error) {
      // A killed script's own reply says so ("Script killed by user with SCRIPT KILL"); this is a caller that gave up first.
      const killed = watch?.killed();
      const lostTrack = error instanceof RedisUnavailable || error instanceof OutcomeUnknown;
      if (killed && lostTrack) {
        throw new ScriptKilled(`ERR script ran past the limit of ${this.settings.scriptTimeoutMs} ms; ${kill!.join(" ")} answered: ${await killed}`, {
          cause: error,
        });
      }
      if (!lostTrack) watch?.settled(true);
      throw error;
    }
  }

  /** COMMAND DOCS, INFO, LIST and COUNT from the server's own replies read at start: they never reach Redis again. */
  private answerLocally(command: ClassifiedCommand, budget: ReplyAllowance & { settings: { maxReplyBytes: number } }): RespReply | undefined {
    if (!command.name.startsWith("command|")) return undefined;
    const known = this.introspection;
    const names = command.parse.get("command-name").map((v) => v.value.toLowerCase());
    let reply: RespReply;
    if (!known || (command.name === "command|docs" && !known.docs))
      reply = new RedisReplyError(`ERR ${command.name.replace("|", " ").toUpperCase()} is not available: the server's table was not read`);
    else if (command.name === "command|docs") reply = names.flatMap((n) => known.docs!.get(n) ?? []);
    else if (command.name === "command|info") reply = names.map((n) => known.info.get(n) ?? null);
    else if (command.name === "command|list") reply = known.names;
    else reply = String(known.names.length);
    return respSize(reply) > budget.replyBytes
      ? new ReplyTooLarge(`ERR reply dropped: it exceeds what is left of the limit of ${budget.settings.maxReplyBytes} bytes per request`)
      : reply;
  }

  /**
   * Redis runs one script at a time and answers BUSY to everyone else while it runs. Past the time
   * limit the script is killed from a connection of its own (the shared one waits behind it), and the
   * kill is sent again for as long as the server is busy with it: the watch ends when the script's own
   * reply arrives, not when its caller stops waiting (a timed-out caller must not leave it running).
   */
  private watchScript(kill: string[], connection: RespConnection): { settled: (answered: boolean) => void; killed: () => Promise<string> | undefined } {
    // `settled(true)` also ends the watch of a batch refused before it was sent (nothing to kill).
    let answered = false;
    let killed: Promise<string> | undefined;
    const timer = setTimeout(() => {
      killed = this.killUntilStopped(kill, connection, () => answered);
    }, this.settings.scriptTimeoutMs);
    return {
      settled: (arrived) => {
        if (!arrived) return; // the connection went; the script may still run: the kill goes ahead
        answered = true;
        clearTimeout(timer);
      },
      killed: () => killed,
    };
  }

  /** Sends the kill until the script is stopped (OK), gone (NOTBUSY once its reply arrived), or cannot be killed (UNKILLABLE: it wrote). */
  private async killUntilStopped(kill: string[], connection: RespConnection, answered: () => boolean): Promise<string> {
    const killer = new RespConnection({ ...connection.options, commandTimeoutMs: 10_000 });
    try {
      for (let attempt = 0; ; attempt++) {
        const answer = await killer.send([kill]).then(
          ([reply]) => String(reply instanceof Error ? reply.message : reply),
          (error: Error) => error.message,
        );
        if (answer === "OK" || answer.startsWith("UNKILLABLE") || answered() || attempt >= 60) return answer;
        // NOTBUSY before the script's reply came: it has not started yet, or is between two of a batch's scripts.
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      killer.close();
    }
  }
}
