import { expect } from "chai";
import { missingPrerequisite } from "../infra/terraform.js";

describe("make plan/apply/destroy prerequisites", () => {
  const noHome = "/nonexistent-home";
  it("names the missing terraform binary in one sentence", () => {
    const problem = missingPrerequisite({}, () => false, noHome);
    expect(problem).to.match(/^terraform is not installed: .*\.$/);
  });
  it("names the tofu binary when TERRAFORM_BINARY_NAME points at it", () => {
    expect(missingPrerequisite({ TERRAFORM_BINARY_NAME: "tofu" }, () => false, noHome)).to.match(/^tofu is not installed/);
  });
  it("asks for AWS credentials when none are set", () => {
    expect(missingPrerequisite({}, () => true, noHome)).to.match(/No AWS credentials found: set AWS_PROFILE/);
  });
  it("accepts a profile or static keys", () => {
    expect(missingPrerequisite({ AWS_PROFILE: "dev" }, () => true, noHome)).to.equal(undefined);
    expect(missingPrerequisite({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" }, () => true, noHome)).to.equal(undefined);
  });
  it("with Terraform Cloud asks for its token instead of AWS credentials", () => {
    expect(missingPrerequisite({ TFC_ORGANIZATION: "acme" }, () => true, noHome)).to.match(/terraform login/);
    expect(missingPrerequisite({ TFC_ORGANIZATION: "acme", TF_TOKEN_app_terraform_io: "x" }, () => true, noHome)).to.equal(undefined);
  });
});
