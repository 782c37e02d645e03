import { expect } from "chai";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { ConfigError } from "../../../../domain/runtime/errors.js";
import { secretString } from "../../../../domain/runtime/secrets.js";

describe("domain/runtime/secrets: secrets by ARN from Secrets Manager", () => {
  const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rest-tokens-AbCdEf";

  it("reads the secret's string by its ARN", async () => {
    const client = new SecretsManagerClient({ region: "us-east-1" });
    const mock = mockClient(client);
    mock.on(GetSecretValueCommand, { SecretId: arn }).resolves({ ARN: arn, Name: "rest-tokens", SecretString: '{"readWrite":["t"]}' });
    expect(await secretString(arn, client)).to.equal('{"readWrite":["t"]}');
    expect(mock.commandCalls(GetSecretValueCommand)).to.have.length(1);
  });

  it("a binary-only secret is a configuration error naming the secret", async () => {
    const client = new SecretsManagerClient({ region: "us-east-1" });
    mockClient(client)
      .on(GetSecretValueCommand)
      .resolves({ ARN: arn, SecretBinary: new Uint8Array([1]) });
    await secretString(arn, client).then(
      () => expect.fail("resolved"),
      (e: Error) => {
        expect(e).to.be.instanceOf(ConfigError);
        expect(e.message).to.equal(`secret ${arn} has no string value`);
      },
    );
  });
});
