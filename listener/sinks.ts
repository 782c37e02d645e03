// Where changes go: the mapping's Lambda (the original design's path) or the table directly.
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SinkFailed } from "../functions/change-feed/errors.js";
import { writeChanges, type Change, type WriteResult } from "../functions/change-feed/writer.js";
import type { CompiledMapping } from "./mappings.js";

export interface ChangeSink {
  /** Resolves once the sink has confirmed every change (written, skipped as older, or rejected). */
  write(mapping: CompiledMapping, changes: Change[]): Promise<WriteResult>;
}

/** Lambda's synchronous payload limit is 6 MB; stay well under it. */
const maxPayloadBytes = 5 * 1024 * 1024;

function* payloads(changes: Change[]): Generator<Change[]> {
  let part: Change[] = [];
  let bytes = 0;
  for (const change of changes) {
    const size = Buffer.byteLength(JSON.stringify(change));
    if (part.length && bytes + size > maxPayloadBytes) {
      yield part;
      part = [];
      bytes = 0;
    }
    part.push(change);
    bytes += size;
  }
  if (part.length) yield part;
}

export class RoutingSink implements ChangeSink {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly lambda?: LambdaClient,
  ) {}

  async write(mapping: CompiledMapping, changes: Change[]): Promise<WriteResult> {
    if (!mapping.lambda) return writeChanges(this.dynamo, { table: mapping.table, changes });
    if (!this.lambda) throw new SinkFailed(`mapping ${mapping.name} names a Lambda but the listener has no Lambda client`);
    const total: WriteResult = { written: 0, skipped: 0, retried: 0, rejected: [] };
    for (const part of payloads(changes)) {
      const { Payload, FunctionError } = await this.lambda.send(
        new InvokeCommand({ FunctionName: mapping.lambda, Payload: Buffer.from(JSON.stringify({ table: mapping.table, changes: part })) }),
      );
      const reply = JSON.parse(Buffer.from(Payload ?? new Uint8Array()).toString("utf8") || "null");
      if (FunctionError) throw new SinkFailed(`${mapping.lambda} failed: ${reply?.errorMessage ?? JSON.stringify(reply)}`);
      const result = reply as WriteResult;
      total.written += result.written;
      total.skipped += result.skipped;
      total.retried += result.retried;
      total.rejected.push(...result.rejected);
    }
    return total;
  }
}
