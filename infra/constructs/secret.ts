// A Secrets Manager secret as every construct here makes one: encrypted with the stack's key, kept
// recoverable for the configured window after a delete, and named by a prefix, so a destroy and a new
// apply never collide with a name still held by a secret scheduled for deletion.
import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import type { Encryption } from "./encryption.js";

export interface SecretProps {
  /** The name's start; Secrets Manager adds a unique suffix (`<name>/rest-tokens-20261206...`). */
  namePrefix: string;
  description: string;
  encryption: Encryption;
  recoveryWindowDays: number;
  /** The secret's value (JSON text). */
  value: string;
}

/** A secret and its value: a client that reads it at boot waits for the value, not only the secret. */
export class Secret extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly value: SecretsmanagerSecretVersion;

  constructor(scope: Construct, id: string, props: SecretProps) {
    super(scope, id);
    this.secret = new SecretsmanagerSecret(this, "secret", {
      namePrefix: `${props.namePrefix}-`,
      description: props.description,
      kmsKeyId: props.encryption.key.arn,
      recoveryWindowInDays: props.recoveryWindowDays,
    });
    this.value = new SecretsmanagerSecretVersion(this, "value", { secretId: this.secret.id, secretString: props.value });
  }
}
