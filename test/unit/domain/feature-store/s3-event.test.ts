import { expect } from "chai";
import { BadLoadRequest } from "../../../../domain/feature-store/errors.js";
import { objectsOfEvent } from "../../../../domain/feature-store/s3-event.js";

describe("domain/feature-store/s3-event: which objects an invocation names", () => {
  it("an S3 notification's created objects, keys decoded (+ is a space); other events are left out", () => {
    const event = {
      Records: [
        { eventName: "ObjectCreated:Put", s3: { bucket: { name: "batch" }, object: { key: "nightly/batch+predictions%231.json" } } },
        { eventName: "ObjectRemoved:Delete", s3: { bucket: { name: "batch" }, object: { key: "old.json" } } },
      ],
    };
    expect(objectsOfEvent(event)).to.deep.equal([{ bucket: "batch", key: "nightly/batch predictions#1.json" }]);
  });

  it("a manual call names the bucket and key; anything else is a bad request saying what is expected", () => {
    expect(objectsOfEvent({ bucket: "batch", key: "a.json" })).to.deep.equal([{ bucket: "batch", key: "a.json" }]);
    expect(objectsOfEvent({ bucket: "batch", key: "a.json", allowShrink: true })).to.deep.equal([{ bucket: "batch", key: "a.json", allowShrink: true }]);
    expect(() => objectsOfEvent({ bucket: "batch" })).to.throw(
      BadLoadRequest,
      'expected an S3 event or { "bucket": "...", "key": "...", "allowShrink"?: true }',
    );
    expect(() => objectsOfEvent({ bucket: "batch", key: "a.json", allowShrink: "yes" })).to.throw(
      BadLoadRequest,
      'allowShrink must be true or false, got "yes"',
    );
  });
});
