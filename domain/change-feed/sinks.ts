// Where changes go: the mapping's Lambda (the original design's path) or the table directly. Failures
// are classified here: what a retry can fix, and what it never will (the keys are then dead-lettered).
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SinkFailed } from "./errors.js";
import { writeChanges, type Change, type WriteResult } from "./writer.js";
import { errorMessage } from "../runtime/errors.js";
import type { CompiledMapping } from "./mappings.js";
import type { SqlEngine } from "./sql-destination.js";

export interface ChangeSink {
  /** Resolves once the sink has confirmed every change (written, skipped as older, or rejected); throws SinkFailed otherwise. */
  write(mapping: CompiledMapping, changes: Change[], options?: { overwrite?: boolean }): Promise<WriteResult>;
  /** Why the mapping's destination cannot take writes (checked when the mapping loads); undefined when it can or cannot be told now. */
  check?(mapping: CompiledMapping): Promise<string | undefined>;
}

/** Lambda's synchronous request payload limit is 6 MB; deliveries are split well under it. */
export const maxPayloadBytes = 5 * 1024 * 1024;

/** Errors no retry fixes: the table, function or permission is missing, or the request is refused as such. */
const permanent = new Set([
  "ResourceNotFoundException",
  "AccessDeniedException",
  "AccessDenied",
  "KMSAccessDeniedException",
  "RequestTooLargeException",
  "InvalidRequestContentException",
  "ValidationException",
  "TableNotAllowed",
  "BadWriteRequest",
]);

const sinkFailure = (what: string, name: string | undefined, message: string, cause?: unknown) =>
  new SinkFailed(`${what}: ${name ? `${name}: ` : ""}${message}`, { cause, retryable: !permanent.has(name ?? "") });

/** Splits changes into invoke payloads; a single change over the limit can never be sent and is rejected. */
function payloads(changes: Change[], rejected: WriteResult["rejected"]): Change[][] {
  const parts: Change[][] = [];
  let part: Change[] = [];
  let bytes = 0;
  for (const change of changes) {
    const size = Buffer.byteLength(JSON.stringify(change));
    if (size > maxPayloadBytes) {
      rejected.push({ key: change.key, reason: `change of ${size} bytes exceeds the writer's request payload limit (Lambda: 6 MB)` });
      continue;
    }
    if (part.length && bytes + size > maxPayloadBytes) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(change);
    bytes += size;
  }
  if (part.length) parts.push(part);
  return parts;
}

export class RoutingSink implements ChangeSink {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly lambda?: LambdaClient,
    /** The SQL destinations this listener reaches (sql-sink.ts), by engine. */
    private readonly sql: Partial<Record<SqlEngine, ChangeSink>> = {},
  ) {}

  /** The mapping's SQL sink, or why there is none. */
  private sqlSink(mapping: CompiledMapping): ChangeSink | string {
    const engine = mapping.sql!.engine;
    return this.sql[engine] ?? `mapping ${mapping.name} writes to ${engine}, but the listener has no ${engine} connection (${engine}Url)`;
  }

  /** The table exists with the mapping's partition key (a SQL table: its columns); an outage (a retry may fix it) refuses nothing. */
  async check(mapping: CompiledMapping): Promise<string | undefined> {
    if (mapping.sql) {
      const sink = this.sqlSink(mapping);
      return typeof sink === "string" ? sink : sink.check?.(mapping);
    }
    try {
      const { Table } = await this.dynamo.send(new DescribeTableCommand({ TableName: mapping.table }));
      const hashKey = Table?.KeySchema?.find((k) => k.KeyType === "HASH")?.AttributeName;
      return hashKey && hashKey !== mapping.partitionKey
        ? `table "${mapping.table}" is keyed by "${hashKey}", not the mapping's partition key "${mapping.partitionKey}"`
        : undefined;
    } catch (error) {
      const name = (error as Error).name;
      if (name === "ResourceNotFoundException") return `table "${mapping.table}" does not exist`;
      return permanent.has(name) ? `table "${mapping.table}" cannot be described: ${name}: ${errorMessage(error)}` : undefined;
    }
  }

  async write(mapping: CompiledMapping, changes: Change[], options: { overwrite?: boolean } = {}): Promise<WriteResult> {
    if (mapping.sql) {
      const sink = this.sqlSink(mapping);
      if (typeof sink === "string") throw new SinkFailed(sink, { retryable: false });
      return sink.write(mapping, changes, options);
    }
    if (!mapping.lambda) {
      return writeChanges(this.dynamo, { table: mapping.table, changes, ...options }).catch((error: Error) => {
        throw sinkFailure(`writing to ${mapping.table}`, error.name, error.message, error);
      });
    }
    if (!this.lambda) throw new SinkFailed(`mapping ${mapping.name} names a Lambda but the listener has no Lambda client`, { retryable: false });
    const total: WriteResult = { written: 0, skipped: 0, retried: 0, rejected: [] };
    for (const part of payloads(changes, total.rejected)) {
      const invoked = await this.lambda
        .send(new InvokeCommand({ FunctionName: mapping.lambda, Payload: Buffer.from(JSON.stringify({ table: mapping.table, changes: part, ...options })) }))
        .catch((error: Error) => {
          throw sinkFailure(`invoking ${mapping.lambda}`, error.name, errorMessage(error), error);
        });
      const reply = JSON.parse(Buffer.from(invoked.Payload ?? new Uint8Array()).toString("utf8") || "null") as {
        errorType?: string;
        errorMessage?: string;
      } | null;
      if (invoked.FunctionError) throw sinkFailure(`${mapping.lambda} failed`, reply?.errorType, reply?.errorMessage ?? JSON.stringify(reply));
      const result = reply as WriteResult;
      total.written += result.written;
      total.skipped += result.skipped;
      total.retried += result.retried;
      total.rejected.push(...result.rejected);
    }
    return total;
  }
}
