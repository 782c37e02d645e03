import { expect } from "chai";
import { BadLoadRequest, FeatureStoreError, LoadFailed, NoPreviousVersion } from "../../../../domain/feature-store/errors.js";

describe("domain/feature-store/errors: what the feature store throws on purpose", () => {
  it("each is a FeatureStoreError with its own name; a bad request is the caller's (4xx)", () => {
    for (const error of [new BadLoadRequest("b"), new LoadFailed("l"), new NoPreviousVersion("n")]) {
      expect(error).to.be.instanceOf(FeatureStoreError);
      expect(error.name).to.equal(error.constructor.name);
    }
    expect(new BadLoadRequest("b").status).to.be.within(400, 499);
  });
});
