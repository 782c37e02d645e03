// Which objects an invocation names: S3 event notifications (keys URL-encoded, `+` for spaces) or a
// manual call; then each is streamed from S3 into the loader.
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { BadLoadRequest, LoadFailed } from "./errors.js";
import type { LoadReport, RecommendationLoader } from "./loader.js";
export interface ObjectRef {
  bucket: string;
  key: string;
  /** An intended shrink, said by the manual call (`"allowShrink": true`). */
  allowShrink?: boolean;
}

/** The object metadata (`x-amz-meta-allow-shrink: true`) by which an upload says it shrinks on purpose. */
export const allowShrinkMetadata = "allow-shrink";

interface S3EventRecord {
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string } };
}

export function objectsOfEvent(event: unknown): ObjectRef[] {
  const records = (event as { Records?: S3EventRecord[] } | null)?.Records;
  if (Array.isArray(records)) {
    return records
      .filter((r) => r.eventName?.startsWith("ObjectCreated") ?? true)
      .map((r) => ({ bucket: r.s3?.bucket?.name ?? "", key: decodeURIComponent((r.s3?.object?.key ?? "").replace(/\+/g, " ")) }))
      .filter((o) => o.bucket && o.key);
  }
  const { bucket, key, allowShrink } = (event ?? {}) as { bucket?: unknown; key?: unknown; allowShrink?: unknown };
  if (typeof bucket !== "string" || typeof key !== "string" || !bucket || !key) {
    throw new BadLoadRequest('expected an S3 event or { "bucket": "...", "key": "...", "allowShrink"?: true }');
  }
  if (allowShrink !== undefined && typeof allowShrink !== "boolean")
    throw new BadLoadRequest(`allowShrink must be true or false, got ${JSON.stringify(allowShrink)}`);
  return [allowShrink === undefined ? { bucket, key } : { bucket, key, allowShrink }];
}

export async function loadObjectsOfEvent(s3: S3Client, loader: RecommendationLoader, event: unknown): Promise<LoadReport[]> {
  const reports: LoadReport[] = [];
  for (const { bucket, key, allowShrink } of objectsOfEvent(event)) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const shrinkSaid = allowShrink ?? object.Metadata?.[allowShrinkMetadata] === "true";
    const etag = object.VersionId ?? object.ETag ?? "";
    reports.push(await loader.load({ uri: `s3://${bucket}/${key}`, etag, chunks: object.Body as Readable, allowShrink: shrinkSaid }));
  }
  const failed = reports.filter((r) => r.status === "failed");
  // Fail the invocation so S3's asynchronous retry and the dead-letter queue see it.
  if (failed.length) throw new LoadFailed(`load failed: ${failed.map((r) => `${r.source}: ${r.error}`).join("; ")}`);
  return reports;
}
