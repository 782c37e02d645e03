// Names of resources that are replaced create-before-destroy: the old and the new one exist at once,
// so a fixed name would collide. The name ends in a digest of the attributes that force a replacement.
import { createHash } from "node:crypto";

/** `base-<8 hex>`: the digest of `forcesReplacement` (attribute -> value, in any order). */
export function replaceableName(base: string, forcesReplacement: Record<string, string>): string {
  const text = Object.keys(forcesReplacement)
    .sort()
    .map((k) => `${k}=${forcesReplacement[k]}`)
    .join("\n");
  return `${base}-${createHash("sha256").update(text).digest("hex").slice(0, 8)}`;
}
