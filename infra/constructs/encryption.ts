// One customer-managed KMS key (with rotation) for logs, tables, buckets, secrets, topics and the cache.
import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { policyDocument } from "./policy.js";

export class Encryption extends Construct {
  readonly key: KmsKey;
  readonly accountId: string;
  readonly region: string;
  readonly partition = "aws";

  /** `accountId`: the account, when known; otherwise looked up (STS GetCallerIdentity) while planning. */
  constructor(scope: Construct, id: string, props: { name: string; accountId?: string }) {
    super(scope, id);
    const accountId = props.accountId ?? new DataAwsCallerIdentity(this, "caller").accountId;
    const region = new DataAwsRegion(this, "region");
    this.accountId = accountId;
    this.region = region.region;
    const root = `arn:aws:iam::${accountId}:root`;
    this.key = new KmsKey(this, "key", {
      description: `${props.name}: logs, tables, buckets, secrets, topics and the cache`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument([
        {
          sid: "AccountAdministersAndUsesTheKey",
          principals: { AWS: root },
          actions: [
            "kms:Create*",
            "kms:Describe*",
            "kms:Enable*",
            "kms:List*",
            "kms:Put*",
            "kms:Update*",
            "kms:Revoke*",
            "kms:Disable*",
            "kms:Get*",
            "kms:Delete*",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:ScheduleKeyDeletion",
            "kms:CancelKeyDeletion",
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:CreateGrant",
          ],
          resources: ["*"],
        },
        {
          sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
          principals: { Service: `logs.${region.region}.amazonaws.com` },
          actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          resources: ["*"],
          conditions: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region.region}:${accountId}:*` } },
        },
        {
          sid: "CloudWatchAlarmsPublishToTheEncryptedAlarmTopic",
          principals: { Service: "cloudwatch.amazonaws.com" },
          actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
          resources: ["*"],
        },
      ]),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.name}`, targetKeyId: this.key.keyId });
  }
}
