// The synthesized Terraform JSON as the policy rules read it, and the small helpers they share.
export type ResourceConfig = Record<string, unknown>;

export interface TerraformJson {
  resource?: Record<string, Record<string, ResourceConfig>>;
}

export interface PolicyRule {
  id: string;
  /** The checkov (or trivy) checks this rule stands for. */
  checkov?: string;
  title: string;
  types: string[];
  /** A reason when the resource breaks the rule; undefined when it passes. */
  check(resource: ResourceConfig, name: string, all: TerraformJson): string | undefined;
}

export interface PolicyFinding {
  rule: string;
  resource: string;
  message: string;
}

export const truthy = (v: unknown) => v === true || v === "true";
export const list = <T>(v: unknown): T[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]) as T[];
export const resources = (all: TerraformJson, type: string) => Object.entries(all.resource?.[type] ?? {});
/** Another resource that names this one, e.g. the public access block of a bucket. */
export const referencedBy = (all: TerraformJson, type: string, attribute: string, target: string) =>
  resources(all, type).filter(([, r]) => String(r[attribute] ?? "").includes(target));
/** The bucket's own configuration resource of `type` (public access block, versioning, ...). */
export const bucketPart = (all: TerraformJson, type: string, bucket: string) => referencedBy(all, type, "bucket", `aws_s3_bucket.${bucket}.`)[0]?.[1];

interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
}

export function wildcardActions(policy: unknown): string[] {
  if (typeof policy !== "string" || !policy.trim().startsWith("{")) return [];
  let document: { Statement?: PolicyStatement | PolicyStatement[] };
  try {
    document = JSON.parse(policy) as typeof document;
  } catch {
    return [];
  }
  return list<PolicyStatement>(document.Statement)
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => list<string>(s.Action))
    .filter((a) => a === "*" || a.endsWith(":*"));
}

export const secretName = /(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY)$/i;

/** The names of the resources of `type` that `value` references (`${type.NAME.attr}`), anywhere in it. */
export const referencesTo = (value: unknown, type: string): string[] =>
  [...JSON.stringify(value ?? null).matchAll(new RegExp(`\\b${type}\\.([\\w-]+)\\.`, "g"))].map((m) => m[1]);
