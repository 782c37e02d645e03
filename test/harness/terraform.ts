// The real Terraform binary over a synthesized stack, offline: a copy of the stack's JSON made plannable
// with the AWS provider this machine mirrors. Every change to the copy is one named rewrite below.
import { Testing } from "cdktf";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFromEnvironment } from "../../infra/config-environment.js";
import { ElastiCachePatternsStack } from "../../infra/stacks/system-stack.js";
import type { Json } from "./synth.js";

/** What an offline plan cannot look up (no API is called): fixed values, through the stack's own lookup settings. */
export const offlineLookups = {
  ECP_AVAILABILITY_ZONES: "us-east-1a,us-east-1b",
  ECP_ACCOUNT_ID: "123456789012",
  ECP_LISTENER_AMI_ID: "ami-0123456789abcdef0",
};

export interface Rewrite {
  name: string;
  why: string;
  apply(json: Json, mirror: Mirror): Json;
}

export interface Mirror {
  root: string;
  version: string;
}

const replaceInText = (json: Json, pattern: RegExp, replacement: string): Json => JSON.parse(JSON.stringify(json).replace(pattern, replacement)) as Json;

/** The copy with `settings` added to its AWS provider block. */
export function withProvider(json: Json, settings: Record<string, unknown>): Json {
  const [aws] = (json.provider as { aws: Record<string, unknown>[] }).aws;
  return { ...json, provider: { aws: [{ ...aws, ...settings }] } };
}

/** The only differences between what we synthesize (provider 6) and what this machine can run (the mirror). */
export const rewrites: Rewrite[] = [
  {
    name: "pin the mirrored AWS provider",
    why: "there is no registry here: only the mirror's version (5.100) can be installed, while the bindings generate for 6.x",
    apply: (json, mirror) => ({
      ...json,
      terraform: { ...json.terraform, required_providers: { aws: { source: "hashicorp/aws", version: mirror.version } } },
    }),
  },
  {
    name: "data.aws_region.*.region -> .name",
    why: "provider 6 renamed the attribute (terraform-provider-aws #42131); 5.x knows only .name",
    apply: (json) => replaceInText(json, /(data\.aws_region\.[\w-]+)\.region\b/g, "$1.name"),
  },
  {
    name: "random_password -> terraform_data",
    why: "the mirror has no hashicorp/random; a built-in resource with a fixed value keeps every reference and the resource count",
    apply: (json) => {
      const { random_password: passwords = {}, ...others } = json.resource ?? {};
      const fixed = Object.fromEntries(Object.keys(passwords).map((name) => [name, { input: `offline-${name}` }]));
      const withoutRandom = { ...json, provider: { aws: (json.provider as { aws: unknown }).aws }, resource: { ...others, terraform_data: fixed } };
      return replaceInText(withoutRandom, /random_password\.([\w-]+)\.result/g, "terraform_data.$1.output");
    },
  },
  {
    name: "a streaming integration as 5.100 knows one (no response_transfer_mode, a 300 s timeout)",
    why: "provider 6.x added response_transfer_mode with API Gateway's response streaming (late 2025) and lets a streaming integration wait 15 minutes; 5.100 knows neither. The streaming URI stays: the rest of the integration is checked as AWS will see it",
    apply: (json) => {
      const integrations = (json.resource as Record<string, Record<string, Record<string, unknown>>> | undefined)?.aws_api_gateway_integration ?? {};
      const without = Object.fromEntries(
        Object.entries(integrations).map(([name, { response_transfer_mode: mode, ...rest }]) => [
          name,
          mode === undefined ? rest : { ...rest, timeout_milliseconds: Math.min(Number(rest.timeout_milliseconds), 300_000) },
        ]),
      );
      return Object.keys(without).length ? { ...json, resource: { ...json.resource, aws_api_gateway_integration: without } } : json;
    },
  },
  {
    name: "an offline provider",
    why: "fake credentials and no STS, metadata or region check: the plan calls no AWS API (the lookups it would make are pinned)",
    apply: (json) =>
      withProvider(json, {
        access_key: "offline",
        secret_key: "offline",
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
      }),
  },
  {
    name: "no backend",
    why: "a plan needs no state to keep; the stack's local state path lies outside the copy",
    apply: (json) => {
      const { backend: _backend, ...terraform } = json.terraform ?? {};
      void _backend;
      return { ...json, terraform };
    },
  },
];

const binary = () => process.env.TERRAFORM_BINARY_NAME ?? "terraform";

/** The mirror `TF_PROVIDER_MIRROR` names (the Makefile finds it), with the one AWS provider version it holds. */
export function providerMirror(): Mirror | string {
  const root = process.env.TF_PROVIDER_MIRROR;
  if (!root) return "TF_PROVIDER_MIRROR is not set (make test finds the mirror of the AWS provider)";
  const versionsDir = join(root, "registry.terraform.io", "hashicorp", "aws");
  if (!existsSync(versionsDir)) return `TF_PROVIDER_MIRROR ${root} holds no registry.terraform.io/hashicorp/aws`;
  const [version] = readdirSync(versionsDir).sort().reverse();
  return version ? { root, version } : `TF_PROVIDER_MIRROR ${root} holds no AWS provider version`;
}

/**
 * Stops a suite that cannot run here (`missing` says why): one line and a skip locally, a failure in
 * CI (CI=true, which .ci/run sets), where a suite never silently stops.
 */
export function runOnlyIfPresent(context: Mocha.Context, suite: string, missing: string | undefined): void {
  if (!missing) return;
  console.log(`      ${suite} not run: ${missing}`);
  if (process.env.CI === "true") throw new Error(`CI=true and the ${suite} cannot run: ${missing}`);
  context.skip();
}

/** Why the real Terraform cannot run here, or undefined when it can. */
export function terraformMissing(): string | undefined {
  if (spawnSync(binary(), ["version"], { stdio: "ignore" }).status !== 0) return `${binary()} is not installed`;
  const mirror = providerMirror();
  return typeof mirror === "string" ? mirror : undefined;
}

export interface TerraformRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface OfflineStack {
  dir: string;
  json: Json;
  terraform(...args: string[]): TerraformRun;
  /** The same, without blocking this process: for a run against a server this process serves (the deploy lane's emulator). */
  terraformAsync(...args: string[]): Promise<TerraformRun>;
}

/**
 * Synthesizes the stack for `environment` (plus the offline lookups) with its assets, rewrites the copy
 * (with `rewrites` unless told otherwise: the deploy lane swaps the offline provider for the emulator), and inits it.
 */
export function offlineStack(environment: NodeJS.ProcessEnv, mirror: Mirror, using: Rewrite[] = rewrites): OfflineStack {
  const config = configFromEnvironment({ ...offlineLookups, ...environment });
  const outdir = Testing.fullSynth(new ElastiCachePatternsStack(Testing.app(), "offline", config));
  const dir = join(outdir, "stacks", "offline");
  const file = join(dir, "cdk.tf.json");
  const json = using.reduce((j, rewrite) => rewrite.apply(j, mirror), JSON.parse(readFileSync(file, "utf8")) as Json);
  writeFileSync(file, JSON.stringify(json, null, 2));
  const cliConfig = join(mkdtempSync(join(tmpdir(), "ecp-terraform-")), "cli.tfrc");
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror.root)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
  const terraform = (...args: string[]): TerraformRun => {
    const run = spawnSync(binary(), [`-chdir=${dir}`, ...args], { env, encoding: "utf8", maxBuffer: 256 << 20 });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const terraformAsync = (...args: string[]) =>
    new Promise<TerraformRun>((resolve, reject) => {
      const child = spawn(binary(), [`-chdir=${dir}`, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("error", reject);
      child.once("close", (status) => resolve({ status, stdout, stderr }));
    });
  const init = terraform("init", "-input=false", "-backend=false", "-no-color");
  if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stdout}\n${init.stderr}`);
  return { dir, json, terraform, terraformAsync };
}

/** `terraform plan -json` lines, parsed. */
export const jsonLines = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { "@level": string; "@message": string; type: string; changes?: { add: number; change: number; remove: number } });

/**
 * What each resource waits for in `terraform graph`: every address it reaches. The graph Terraform
 * prints is transitively reduced (an edge implied by a path is left out), so reachability is the claim.
 */
export function waitsFor(dot: string): (address: string) => Set<string> {
  const next = new Map<string, string[]>();
  for (const [, from, to] of dot.matchAll(/"([^"]+)" -> "([^"]+)"/g)) next.set(from, [...(next.get(from) ?? []), to]);
  return (address) => {
    const reached = new Set<string>();
    const queue = [address];
    while (queue.length) for (const to of next.get(queue.pop()!) ?? []) if (!reached.has(to)) queue.push(reached.add(to) && to);
    return reached;
  };
}
