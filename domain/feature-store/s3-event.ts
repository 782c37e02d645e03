// Which objects an invocation names: S3 event notifications (keys URL-encoded, `+` for spaces) or a
// manual call; then each is streamed from S3 into the loader.
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { BadLoadRequest, LoadFailed } from "./errors.js";
import type { LoadReport, RecommendationLoader } from "./loader.js";
export interface ObjectRef {
  bucket: string;
  key: string;
}

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
  const { bucket, key } = (event ?? {}) as { bucket?: unknown; key?: unknown };
  if (typeof bucket !== "string" || typeof key !== "string" || !bucket || !key) {
    throw new BadLoadRequest('expected an S3 event or { "bucket": "...", "key": "..." }');
  }
  return [{ bucket, key }];
}

export async function loadObjectsOfEvent(s3: S3Client, loader: RecommendationLoader, event: unknown): Promise<LoadReport[]> {
  const reports: LoadReport[] = [];
  for (const { bucket, key } of objectsOfEvent(event)) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    reports.push(await loader.load({ uri: `s3://${bucket}/${key}`, etag: object.VersionId ?? object.ETag ?? "", chunks: object.Body as Readable }));
  }
  const failed = reports.filter((r) => r.status === "failed");
  // Fail the invocation so S3's asynchronous retry and the dead-letter queue see it.
  if (failed.length) throw new LoadFailed(`load failed: ${failed.map((r) => `${r.source}: ${r.error}`).join("; ")}`);
  return reports;
}
