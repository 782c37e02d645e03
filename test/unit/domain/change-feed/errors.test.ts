import { expect } from "chai";
import { BadWriteRequest, ChangeFeedError, MappingError, SinkFailed, TableNotAllowed } from "../../../../domain/change-feed/errors.js";
import { ServiceError } from "../../../../domain/runtime/errors.js";

describe("domain/change-feed/errors: what the change feed throws on purpose", () => {
  it("each is a ChangeFeedError with its own name; a sink's failure says whether a retry may fix it", () => {
    for (const error of [new MappingError("m"), new BadWriteRequest("b"), new TableNotAllowed("t")]) {
      expect(error).to.be.instanceOf(ChangeFeedError).and.instanceOf(ServiceError);
      expect(error.name).to.equal(error.constructor.name);
    }
    expect(new SinkFailed("throttled", { retryable: true }).retryable).to.equal(true);
    expect(new SinkFailed("gone", { retryable: false }).retryable).to.equal(false);
  });
});
