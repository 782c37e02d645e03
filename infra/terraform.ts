// `make plan|apply|destroy`: plain Terraform over the synthesized JSON of every stack (no cdktf-cli needed at deploy).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { configFromEnvironment } from "./config-environment.js";

type Action = "plan" | "apply" | "destroy";

/** Why this machine cannot run Terraform against AWS, or undefined when it can. */
export function missingPrerequisite(env: NodeJS.ProcessEnv, hasBinary: (name: string) => boolean, home = homedir()): string | undefined {
  const binary = env.TERRAFORM_BINARY_NAME ?? "terraform";
  if (!hasBinary(binary)) {
    return `${binary} is not installed: install Terraform >= 1.6 (or set TERRAFORM_BINARY_NAME=tofu) and run this again.`;
  }
  // With Terraform Cloud the workspace holds the AWS credentials; only its token is needed here.
  if (env.TFC_ORGANIZATION) {
    const hasToken = Object.keys(env).some((k) => k.startsWith("TF_TOKEN_")) || existsSync(join(home, ".terraform.d", "credentials.tfrc.json"));
    return hasToken ? undefined : "TFC_ORGANIZATION is set but no Terraform Cloud token was found: run `terraform login` or set TF_TOKEN_app_terraform_io.";
  }
  const hasCredentials =
    Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
    Boolean(env.AWS_PROFILE) ||
    Boolean(env.AWS_WEB_IDENTITY_TOKEN_FILE) ||
    Boolean(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) ||
    existsSync(join(home, ".aws", "credentials"));
  return hasCredentials
    ? undefined
    : "No AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and AWS_REGION, then run this again.";
}

function hasBinary(name: string): boolean {
  return spawnSync(name, ["version"], { stdio: "ignore" }).status === 0;
}

/**
 * The Terraform commands for an action. On a terminal, apply and destroy ask for confirmation as
 * Terraform does; elsewhere (CI, a pipe) they never wait for input: they need AUTO_APPROVE=true, or
 * refuse with the reason.
 */
export function terraformSteps(action: Action, env: NodeJS.ProcessEnv, onTerminal: boolean): string[][] | string {
  const steps: string[][] = [["init", "-input=false"]];
  if (action === "plan") return [...steps, ["plan", "-input=false"]];
  const interactive = onTerminal && env.CI !== "true";
  if (env.AUTO_APPROVE === "true") return [...steps, [action, "-input=false", "-auto-approve"]];
  if (!interactive)
    return `make ${action} runs without a terminal here (CI or a pipe) and will not wait for a confirmation: set AUTO_APPROVE=true to ${action} without one.`;
  return [...steps, [action]];
}

function main(action: Action) {
  const problem = missingPrerequisite(process.env, hasBinary);
  const steps = terraformSteps(action, process.env, Boolean(process.stdin.isTTY && process.stdout.isTTY));
  if (problem || typeof steps === "string") {
    console.error(problem ?? steps);
    process.exit(2);
  }
  // The local backend's state lives here (see the stack's LocalBackend), kept by `make clean`.
  mkdirSync(configFromEnvironment().stateDirectory, { recursive: true });
  const binary = process.env.TERRAFORM_BINARY_NAME ?? "terraform";
  const stacksDir = join("cdktf.out", "stacks");
  for (const stack of readdirSync(stacksDir)) {
    const dir = join(stacksDir, stack);
    for (const args of steps) {
      console.log(`\n$ ${binary} -chdir=${dir} ${args.join(" ")}`);
      const result = spawnSync(binary, [`-chdir=${dir}`, ...args], { stdio: "inherit" });
      if (result.status !== 0) process.exit(result.status ?? 1);
    }
  }
}

const action = process.argv[2];
if (import.meta.url === `file://${process.argv[1]}`) {
  if (action !== "plan" && action !== "apply" && action !== "destroy") {
    console.error("usage: tsx infra/terraform.ts plan|apply|destroy");
    process.exit(2);
  }
  main(action);
}
