// Secrets are read once per container, by ARN, from Secrets Manager: never from the environment.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ConfigError } from "./errors.js";

export async function secretString(secretArn: string, client = new SecretsManagerClient({})): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!SecretString) throw new ConfigError(`secret ${secretArn} has no string value`);
  return SecretString;
}
