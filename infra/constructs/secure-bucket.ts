// An S3 bucket with the secure defaults: public access blocked, ACLs disabled, SSE-KMS, versioning,
// TLS-only access, and old versions expired.
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { retainTags } from "../conventions.js";
import type { Encryption } from "./encryption.js";

export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  /**
   * What an object must wait for: S3 applies versioning and default encryption only to objects written
   * after them (an object put first gets no version id and S3's own key).
   */
  readonly configured: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: { name: string; encryption: Encryption; noncurrentDays?: number; forceDestroy: boolean }) {
    super(scope, id);
    // forceDestroy: `terraform destroy` empties the bucket (every version) instead of failing on it.
    this.bucket = new S3Bucket(this, "bucket", { bucket: props.name, forceDestroy: props.forceDestroy, tags: retainTags(!props.forceDestroy) });
    new S3BucketPublicAccessBlock(this, "public-access", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    const encryption = new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.encryption.key.arn }, bucketKeyEnabled: true }],
    });
    const versioning = new S3BucketVersioningA(this, "versioning", { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } });
    this.configured = [versioning, encryption];
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentDays ?? 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketPolicy(this, "tls-only", {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyPlainHttp",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    });
  }
}
