import { expect } from "chai";
import { replicaEndpoint } from "../../../../domain/redis/replica-client.js";

describe("domain/redis/replica-client: a replicaN name as the node it points at now", () => {
  it("connects to the CNAME's target with the TLS server name set to it (the certificate names the node)", async () => {
    const endpoint = await replicaEndpoint("replica1.cache.internal.", { resolveCname: async () => ["testdns-002.abc.cache.amazonaws.com."] });
    expect(endpoint).to.deep.equal({ host: "testdns-002.abc.cache.amazonaws.com", port: 6379, tls: { servername: "testdns-002.abc.cache.amazonaws.com" } });
  });

  it("a name without a record says what it expected", async () => {
    await replicaEndpoint("replica9.cache.internal", { resolveCname: async () => [] }).then(
      () => expect.fail("resolved"),
      (e: Error) => expect(e.message).to.equal("replica9.cache.internal has no CNAME record: is it a name the replica DNS keeper manages?"),
    );
  });
});
