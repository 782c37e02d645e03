import { expect } from "chai";
import { defaultLoaderConfig, versionOf } from "../../../../domain/feature-store/loader.js";

describe("domain/feature-store/loader: one version per file, published only when whole", () => {
  it("a version names its file and the file's revision: the same upload is the same version, a new one is new", () => {
    expect(versionOf("s3://batch/a.json", "etag-1")).to.match(/^v[0-9a-f]{12}$/);
    expect(versionOf("s3://batch/a.json", "etag-1")).to.equal(versionOf("s3://batch/a.json", "etag-1"));
    expect(versionOf("s3://batch/a.json", "etag-2")).to.not.equal(versionOf("s3://batch/a.json", "etag-1"));
  });

  it("the defaults keep the previous version an hour for rollback and list at most 100 bad records", () => {
    expect([defaultLoaderConfig.previousVersionTtlSeconds, defaultLoaderConfig.maxListedBadRecords]).to.deep.equal([3_600, 100]);
  });

  it("the defaults publish no file without a good user, nor one under half the served version's users", () => {
    expect([defaultLoaderConfig.minUsers, defaultLoaderConfig.minPercentOfCurrent]).to.deep.equal([1, 50]);
  });
});
