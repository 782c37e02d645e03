import { expect } from "chai";
import { IamTokens, sqlDialectsOf } from "../../../listener/sql-connections.js";

/** A signer that counts its tokens, as RDS's signer makes a new one per call. */
function countingSigner() {
  let n = 0;
  return { getAuthToken: async () => `token-${++n}` };
}

describe("listener SQL connections", () => {
  it("holds a token from start, and makes a fresh one for each connection that opens", async () => {
    const tokens = await new IamTokens(countingSigner()).start();
    try {
      expect(tokens.current()).to.equal("token-1");
      expect(await tokens.next()).to.equal("token-2");
      expect(tokens.current()).to.equal("token-2");
    } finally {
      tokens.stop();
    }
  });

  it("refuses to start when no token can be made, naming the signer's error", async () => {
    const failing = {
      getAuthToken: async (): Promise<string> => {
        throw new Error("no credentials");
      },
    };
    const outcome = await new IamTokens(failing).start().then(
      () => "started",
      (e: Error) => e.message,
    );
    expect(outcome).to.equal("no credentials");
  });

  it("opens a dialect per engine the configuration names, and none for an engine it does not", async () => {
    const dialects = await sqlDialectsOf({ redisUrl: "redis://127.0.0.1:1", postgresUrl: "postgres://u@127.0.0.1:1/db" } as never);
    try {
      expect(Object.keys(dialects)).to.deep.equal(["postgres"]);
      expect(dialects.postgres?.engine).to.equal("postgres");
    } finally {
      await dialects.postgres?.close();
    }
  });
});
