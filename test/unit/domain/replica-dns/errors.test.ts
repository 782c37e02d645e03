import { expect } from "chai";
import { AmbiguousTopology, NamingError, ReplicaDnsError, TopologyError, TopologyUnsettled } from "../../../../domain/replica-dns/errors.js";

describe("domain/replica-dns/errors: why the keeper changed nothing", () => {
  it("each is a ReplicaDnsError with its own name", () => {
    for (const error of [new NamingError("n"), new TopologyError("t"), new AmbiguousTopology("a"), new TopologyUnsettled("u")]) {
      expect(error).to.be.instanceOf(ReplicaDnsError);
      expect(error.name).to.equal(error.constructor.name);
    }
  });
});
