// Change feed: the DynamoDB table, the writer Lambda, and the listener on EC2 (private subnet, no public
// IP, IMDSv2 only, encrypted root volume, Session Manager instead of SSH), installed by user-data as a
// systemd service from a bundle and a configuration kept in S3 (no secret in either).
import { Construct } from "constructs";
import { AssetType, Fn, TerraformAsset } from "cdktf";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { resolve } from "node:path";
import { functionDefaults, type DataPathProps } from "./data-path.js";
import { NodejsFunction } from "./nodejs-function.js";
import { assumeRolePolicy, policyDocument } from "./policy.js";
import { SecureBucket } from "./secure-bucket.js";

/** The listener's boot script: Node from the distribution's repositories (reached through the S3 gateway endpoint). */
export function listenerUserData(bucket: string, region: string): string {
  return `#!/bin/bash
set -euo pipefail
dnf install -y nodejs22 unzip || dnf install -y nodejs20 unzip
NODE=$(command -v node-22 || command -v node-20 || command -v node)
id changefeed >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin changefeed
install -d -o changefeed -g changefeed /opt/changefeed /var/lib/changefeed
for file in listener.zip listener.json mappings.json; do aws s3 cp --region ${region} "s3://${bucket}/listener/$file" /opt/changefeed/; done
unzip -o /opt/changefeed/listener.zip -d /opt/changefeed
cat > /etc/systemd/system/changefeed.service <<UNIT
[Unit]
Description=Change feed listener (Redis keyspace notifications -> DynamoDB)
After=network-online.target
Wants=network-online.target
[Service]
User=changefeed
ExecStart=$NODE --enable-source-maps /opt/changefeed/index.mjs /opt/changefeed/listener.json
Restart=always
RestartSec=2
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
ReadWritePaths=/var/lib/changefeed
[Install]
WantedBy=multi-user.target
UNIT
# The listener rewrites its health file every second; a stale file means it is stuck: restart it.
cat > /etc/systemd/system/changefeed-health.service <<UNIT
[Unit]
Description=Restart the change feed listener when its health file goes stale
[Service]
Type=oneshot
ExecStart=/bin/bash -c 'test \\$(( \\$(date +%s) - \\$(stat -c %Y /var/lib/changefeed/health.json) )) -lt 30 || systemctl restart changefeed'
UNIT
cat > /etc/systemd/system/changefeed-health.timer <<UNIT
[Unit]
Description=Check the change feed listener's health every minute
[Timer]
OnBootSec=2min
OnUnitActiveSec=1min
[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable --now changefeed changefeed-health.timer
`;
}

export class ChangeFeed extends Construct {
  readonly table: DynamodbTable;
  readonly writer: NodejsFunction;
  readonly listener: Instance;
  readonly artifacts: SecureBucket;

  constructor(scope: Construct, id: string, props: DataPathProps) {
    super(scope, id);
    const { config, encryption, network, cache } = props;
    this.table = new DynamodbTable(this, "table", {
      name: `${props.name}-${config.changeFeed.tableName}`,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "id",
      attribute: [{ name: "id", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: encryption.key.arn },
      // Tombstones of deleted keys carry _expiresAt; DynamoDB removes them after it.
      ttl: { attributeName: "_expiresAt", enabled: true },
      deletionProtectionEnabled: true,
    });
    this.writer = new NodejsFunction(this, "writer", {
      defaults: functionDefaults(props),
      bundle: "change-writer",
      environment: { ALLOWED_TABLES: this.table.name },
      statements: [{ sid: "WriteItems", actions: ["dynamodb:PutItem"], resources: [this.table.arn] }],
    });

    this.artifacts = new SecureBucket(this, "artifacts", { name: `${props.name}-listener-${encryption.accountId}`, encryption });
    const bundle = new TerraformAsset(this, "listener-bundle", { path: resolve("dist", "listener"), type: AssetType.ARCHIVE });
    const put = (key: string, body: { source: string } | { content: string }) =>
      new S3Object(this, key.replace(/\W/g, "-"), {
        bucket: this.artifacts.bucket.id,
        key: `listener/${key}`,
        ...body,
        ...("source" in body ? { sourceHash: Fn.filemd5(body.source) } : {}),
      });
    put("listener.zip", { source: bundle.path });
    put("mappings.json", {
      content: JSON.stringify(
        {
          mappings: config.changeFeed.mappings.map((m) => ({
            name: m.name,
            pattern: m.pattern,
            table: this.table.name,
            ...(m.lambda ? { lambda: this.writer.function.functionName } : {}),
            ...(m.partitionKey ? { partitionKey: m.partitionKey } : {}),
            ...(m.format ? { format: m.format } : {}),
          })),
        },
        null,
        2,
      ),
    });
    put("listener.json", {
      content: JSON.stringify(
        {
          redisUrl: cache.primaryUrl,
          redisAuthSecretArn: cache.authSecret.arn,
          region: encryption.region,
          mappingFile: "/opt/changefeed/mappings.json",
          listener: { healthFile: "/var/lib/changefeed/health.json" },
        },
        null,
        2,
      ),
    });

    const role = new IamRole(this, "listener-role", { name: `${props.name}-listener`, assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com") });
    new IamRolePolicy(this, "listener-policy", {
      role: role.id,
      name: "least-privilege",
      policy: policyDocument([
        { sid: "ReadBundleAndConfig", actions: ["s3:GetObject"], resources: [`${this.artifacts.bucket.arn}/listener/*`] },
        { sid: "RedisAuthToken", actions: ["secretsmanager:GetSecretValue"], resources: [cache.authSecret.arn] },
        { sid: "DecryptWithTheSystemKey", actions: ["kms:Decrypt"], resources: [encryption.key.arn] },
        { sid: "DeliverToTheWriter", actions: ["lambda:InvokeFunction"], resources: [this.writer.function.arn] },
        // Direct mappings write themselves; rescans look for items whose key is gone.
        { sid: "DirectWritesAndRescans", actions: ["dynamodb:PutItem", "dynamodb:Scan"], resources: [this.table.arn] },
        // Session Manager (instead of SSH); these actions take no narrower resource.
        {
          sid: "SessionManager",
          actions: [
            "ssm:UpdateInstanceInformation",
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
          ],
          resources: ["*"],
        },
      ]),
    });
    const profile = new IamInstanceProfile(this, "listener-profile", { name: `${props.name}-listener`, role: role.name });
    const ami = new DataAwsSsmParameter(this, "al2023", { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" });
    this.listener = new Instance(this, "listener", {
      ami: ami.value,
      instanceType: config.changeFeed.listenerInstanceType,
      subnetId: network.privateSubnetIds[0],
      vpcSecurityGroupIds: [network.listenerGroup.id],
      associatePublicIpAddress: false,
      iamInstanceProfile: profile.name,
      monitoring: true,
      ebsOptimized: true,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
      rootBlockDevice: { encrypted: true, kmsKeyId: encryption.key.arn, volumeType: "gp3", volumeSize: 20, deleteOnTermination: true },
      userData: listenerUserData(this.artifacts.bucket.bucket, encryption.region),
      userDataReplaceOnChange: true,
      tags: { Name: `${props.name}-change-feed-listener` },
    });
  }
}
