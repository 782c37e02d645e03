import { expect } from "chai";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { openGateway } from "../../../../domain/command-gateway/open.js";
import { defaultGatewaySettings } from "../../../../domain/command-gateway/settings.js";
import { PathMetrics } from "../../../../domain/runtime/metrics.js";

describe("domain/command-gateway/open: the gateway a function serves with", () => {
  it("reads its engine users from their secret and logs in as the read scope's user (nothing connects until a request)", async () => {
    const mock = mockClient(SecretsManagerClient);
    try {
      const users = { read: { username: "gw-read", password: "r" }, write: { username: "gw-write", password: "w" } };
      mock.on(GetSecretValueCommand, { SecretId: "users" }).resolves({ SecretString: JSON.stringify({ users }) });
      const gateway = await openGateway({ url: "rediss://cache:6379" }, defaultGatewaySettings, "users", new PathMetrics("command-gateway", () => {}));
      expect(gateway.connection.options).to.include({ host: "cache", username: "gw-read", password: "r" });
      expect(gateway.settings).to.equal(defaultGatewaySettings);
    } finally {
      mock.restore();
    }
  });

  it("without a users secret it connects with the URL's own credentials", async () => {
    const gateway = await openGateway(
      { url: "redis://:secret@127.0.0.1:6379" },
      defaultGatewaySettings,
      undefined,
      new PathMetrics("command-gateway", () => {}),
    );
    expect(gateway.connection.options).to.include({ host: "127.0.0.1", password: "secret" });
  });
});
