// S3 bucket policies whose Deny turns on `aws:SecureTransport`, evaluated as AWS does. moto evaluates a
// policy's conditions without the request's context, so such a Deny would match every request, TLS or not
// (moto/iam/access_control.py: _check_conditions with no incoming values). The front evaluates it instead:
// a plain-HTTP request is refused (the front serves TLS only, so none reaches moto), and moto keeps the
// policy's other statements. Reads give back the policy exactly as it was put.
import type { Reply, Request } from "./front.js";

interface Statement {
  Effect: string;
  Condition?: Record<string, Record<string, unknown>>;
}

/** A Deny whose only condition is `Bool aws:SecureTransport false`: it can match plain HTTP and nothing else. */
const deniesPlainHttpOnly = (s: Statement) =>
  s.Effect === "Deny" && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { "aws:SecureTransport": "false" } });

/** A path-style S3 request's parts: `/bucket`, `/bucket/key`, and the query (sub-resources such as `?policy`). */
export function s3Target(path: string) {
  const [resource, query = ""] = path.split("?");
  const segments = resource.split("/").filter(Boolean);
  return { resource, query: new URLSearchParams(query), bucket: segments[0] ?? "", isObject: segments.length > 1 };
}

export class SecureTransportPolicies {
  /** bucket -> the policy text as it was put */
  private readonly byBucket = new Map<string, string>();

  async serve(request: Request, forward: (r: Request) => Promise<Reply>): Promise<Reply> {
    const { query, bucket, isObject } = s3Target(request.path);
    const onPolicy = query.has("policy");
    if (onPolicy && request.method === "PUT") {
      const policy = JSON.parse(request.body.toString()) as { Statement: Statement[] };
      const statements = policy.Statement.filter((s) => !deniesPlainHttpOnly(s));
      if (statements.length) {
        const reply = await forward({ ...request, body: Buffer.from(JSON.stringify({ ...policy, Statement: statements })) });
        if (reply.status >= 300) return reply;
      } else {
        // moto refuses an empty policy; the bucket must exist, as PutBucketPolicy requires.
        const exists = await forward({ ...request, method: "HEAD", path: `/${bucket}`, body: Buffer.alloc(0) });
        if (exists.status !== 200) return exists;
      }
      this.byBucket.set(bucket, request.body.toString());
      return { status: 204, headers: {}, body: Buffer.alloc(0) };
    }
    const kept = this.byBucket.get(bucket);
    if (onPolicy && request.method === "GET" && kept !== undefined)
      return { status: 200, headers: { "content-type": "application/json" }, body: Buffer.from(kept) };
    const reply = await forward(request);
    const deletesBucket = request.method === "DELETE" && !isObject && query.toString() === "";
    if (reply.status < 300 && ((onPolicy && request.method === "DELETE") || deletesBucket)) this.byBucket.delete(bucket);
    return reply;
  }
}
