// The synthesized stack as the deploy lane applies it: the offline copy's rewrites, except that the
// provider talks to the emulator (every service's endpoint, TLS with the front's own certificate).
import type { Json } from "../synth.js";
import { offlineStack, rewrites, withProvider, type Mirror, type OfflineStack, type Rewrite } from "../terraform.js";

/** Every service the stack's resources and lookups call, by the provider's endpoint names. */
const services = [
  "apigateway",
  "apigatewayv2",
  "appsync",
  "autoscaling",
  "cloudwatch",
  "events",
  "logs",
  "dynamodb",
  "ec2",
  "elasticache",
  "iam",
  "kms",
  "lambda",
  "rds",
  "route53",
  "s3",
  "secretsmanager",
  "sns",
  "sqs",
  "ssm",
  "sts",
];

const emulatorProvider = (endpoint: string): Rewrite => ({
  name: "the emulator provider",
  why: "every service's endpoint is the emulator's TLS front (its own certificate, hence insecure); S3 by path, as the front routes it",
  apply: (json) =>
    withProvider(json, {
      access_key: "emulator",
      secret_key: "emulator",
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      insecure: true,
      s3_use_path_style: true,
      endpoints: [Object.fromEntries(services.map((service) => [service, endpoint]))],
    }),
});

/** The offline rewrites with the emulator's provider in place of the offline one, and any extra `also` (a test's own change). */
export function emulatedStack(environment: NodeJS.ProcessEnv, mirror: Mirror, endpoint: string, also: Rewrite[] = []): OfflineStack {
  const using = [...rewrites.map((r) => (r.name === "an offline provider" ? emulatorProvider(endpoint) : r)), ...also];
  return offlineStack(environment, mirror, using);
}

/** Every resource address the copy declares (what the state must hold after an apply). */
export const declaredAddresses = (json: Json): string[] =>
  Object.entries(json.resource ?? {})
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
