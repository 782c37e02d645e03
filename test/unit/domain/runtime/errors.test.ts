import { expect } from "chai";
import { ConfigError, errorMessage, ServiceError } from "../../../../domain/runtime/errors.js";

describe("domain/runtime/errors: the base every core's errors share", () => {
  it("a ServiceError is a 500 that is not retryable unless a subclass says so; ConfigError is one", () => {
    const error = new ConfigError("MAX_COMMANDS must be a whole number");
    expect(error).to.be.instanceOf(ServiceError);
    expect([error.name, error.status, error.retryable]).to.deep.equal(["ConfigError", 500, false]);
  });

  it("errorMessage reads anything thrown", () => {
    expect(errorMessage(new Error("boom"))).to.equal("boom");
    expect(errorMessage("text")).to.equal("text");
    expect(errorMessage(42)).to.equal("42");
  });
});
