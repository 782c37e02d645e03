// Where the change-feed listener runs: an Auto Scaling group of `groupSize` instances across the private
// subnets (an instance or AZ lost is replaced; the journal and rescans make the hand-over lossless),
// from a hardened launch template (IMDSv2 only, no public IP, encrypted disk, Session Manager instead
// of SSH). It boots only once its bundle, configuration, mappings, role policy and endpoints exist, and
// a new bundle, configuration or mapping file rolls the instance; a new AMI release alone does not.
import { Construct } from "constructs";
import { AssetType, Fn, TerraformAsset, type ITerraformDependable } from "cdktf";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { resolve } from "node:path";
import { bootScript, type BootSettings } from "../listener-boot.js";
import type { Encryption } from "./encryption.js";
import type { Network } from "./network.js";
import { assumeRolePolicy, policyDocument, type Statement } from "./policy.js";
import { SecureBucket } from "./secure-bucket.js";
import { dataPathTag } from "../conventions.js";

/**
 * The boot script as a Terraform expression: its text goes through Fn.rawString (Terraform would read
 * its own `${...}` as interpolation, and cdktf refuses bare quotes), the settings' references between.
 */
export function bootUserData(settings: BootSettings): string {
  const placeholders = { bucket: "@@BUCKET@@", region: "@@REGION@@", artifactVersions: "@@ARTIFACTS@@" };
  const script = bootScript({ ...settings, ...placeholders });
  const parts = script.split(/(@@[A-Z]+@@)/).map((part) => {
    const setting = Object.entries(placeholders).find(([, placeholder]) => placeholder === part)?.[0];
    return setting ? settings[setting as keyof typeof placeholders] : Fn.rawString(part);
  });
  return Fn.join("", parts);
}

export interface ListenerHostProps {
  name: string;
  encryption: Encryption;
  network: Network;
  instanceType: string;
  /** Instances in the group (changeFeed.listenerGroupSize). */
  groupSize: number;
  nodeMajor: number;
  /** A pinned AMI; otherwise the latest Amazon Linux 2023 (arm64), read from its public SSM parameter while planning. */
  amiId?: string;
  /** The listener's configuration file and mapping file, as JSON text (may hold Terraform references). */
  configuration: string;
  mappings: string;
  /** What the listener may do besides reading its artifacts and Session Manager. */
  statements: Statement[];
  /** What must exist before the instance boots besides its artifacts, role and endpoints (the secrets it reads). */
  bootNeeds: ITerraformDependable[];
  logRetentionDays: number;
}

/** The log group the CloudWatch agent writes the listener's metric documents to (CloudWatch reads the metrics from it). */
export const metricsLogGroupName = (name: string) => `/${name}/listener-metrics`;

export class ListenerHost extends Construct {
  readonly group: AutoscalingGroup;
  readonly template: LaunchTemplate;
  readonly artifacts: SecureBucket;
  readonly metricsLog: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: ListenerHostProps) {
    super(scope, id);
    const { encryption, network } = props;
    // Only the listener's own bundle and configuration live here: nothing to keep on destroy.
    this.artifacts = new SecureBucket(this, "artifacts", { name: `${props.name}-listener-${encryption.accountId}`, encryption, forceDestroy: true });
    const objects = this.uploadArtifacts(props);
    // Ours, encrypted and with retention, before the agent could make one of its own.
    this.metricsLog = new CloudwatchLogGroup(this, "metrics", {
      name: metricsLogGroupName(props.name),
      retentionInDays: props.logRetentionDays,
      kmsKeyId: encryption.key.arn,
    });
    const { profile, policy } = this.instanceRole(props);
    // The bucket is versioned: any change to the bundle, the configuration or the mappings gives its
    // object a new version id, so the user data changes and the template gets a new version.
    this.template = this.launchTemplate(
      props,
      profile,
      Fn.join(
        " ",
        objects.map((o) => o.versionId),
      ),
    );
    // A new group has no egress until its rules exist, and no route to S3 or DynamoDB before the
    // subnets' route-table associations: boot after the whole network path, or first boot fails.
    const bootNeeds: ITerraformDependable[] = [...objects, policy, this.metricsLog, ...network.pathOf(network.listenerGroup), ...props.bootNeeds];
    this.group = new AutoscalingGroup(this, "group", {
      name: `${props.name}-listener`,
      minSize: props.groupSize,
      maxSize: props.groupSize,
      desiredCapacity: props.groupSize,
      vpcZoneIdentifier: network.privateSubnetIds,
      launchTemplate: { id: this.template.id, version: Fn.tostring(this.template.latestVersion) },
      healthCheckType: "EC2",
      healthCheckGracePeriod: 300,
      // A new template version (new artifacts) replaces the instance; the journal keeps what it had not delivered.
      instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 0 } },
      tag: [
        { key: "Name", value: `${props.name}-change-feed-listener`, propagateAtLaunch: true },
        { key: dataPathTag, value: "change-feed", propagateAtLaunch: false },
      ],
      dependsOn: bootNeeds,
    });
  }

  /** The host's programs (`dist/listener/`), its configuration and the mapping file, as objects the instance downloads. */
  private uploadArtifacts(props: ListenerHostProps): S3Object[] {
    const bundle = new TerraformAsset(this, "bundle", { path: resolve("dist", "listener"), type: AssetType.ARCHIVE });
    const put = (key: string, body: { source: string } | { content: string }) =>
      new S3Object(this, key.replace(/\W/g, "-"), {
        bucket: this.artifacts.bucket.id,
        key: `listener/${key}`,
        ...body,
        ...("source" in body ? { sourceHash: Fn.filemd5(body.source) } : {}),
        dependsOn: this.artifacts.configured,
      });
    return [
      put("listener.zip", { source: bundle.path }),
      put("listener.json", { content: props.configuration }),
      put("mappings.json", { content: props.mappings }),
    ];
  }

  private instanceRole(props: ListenerHostProps): { profile: IamInstanceProfile; policy: IamRolePolicy } {
    const role = new IamRole(this, "role", { name: `${props.name}-listener`, assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com") });
    const policy = new IamRolePolicy(this, "policy", {
      role: role.id,
      name: "least-privilege",
      policy: policyDocument([
        { sid: "ReadBundleAndConfig", actions: ["s3:GetObject"], resources: [`${this.artifacts.bucket.arn}/listener/*`] },
        { sid: "DecryptWithTheSystemKey", actions: ["kms:Decrypt"], resources: [props.encryption.key.arn] },
        {
          sid: "MetricsThroughTheAgent",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [this.metricsLog.arn, `${this.metricsLog.arn}:*`],
        },
        ...props.statements,
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
    return { profile: new IamInstanceProfile(this, "profile", { name: `${props.name}-listener`, role: role.name }), policy };
  }

  /** IMDSv2 only, no public address, an encrypted volume, and user data that names the artifacts' versions. */
  private launchTemplate(props: ListenerHostProps, profile: IamInstanceProfile, artifactVersions: string): LaunchTemplate {
    const imageId =
      props.amiId ?? new DataAwsSsmParameter(this, "al2023", { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" }).value;
    return new LaunchTemplate(this, "template", {
      name: `${props.name}-listener`,
      imageId,
      instanceType: props.instanceType,
      iamInstanceProfile: { name: profile.name },
      ebsOptimized: "true",
      monitoring: { enabled: true },
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
      networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false", securityGroups: [props.network.listenerGroup.id], deleteOnTermination: "true" }],
      // The AWS-managed EBS key: a customer key would need a grant to the Auto Scaling service-linked role.
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3", volumeSize: 20, deleteOnTermination: "true" } }],
      userData: Fn.base64encode(
        bootUserData({ bucket: this.artifacts.bucket.bucket, region: props.encryption.region, artifactVersions, nodeMajor: props.nodeMajor }),
      ),
      updateDefaultVersion: true,
      tagSpecifications: [{ resourceType: "instance", tags: { Name: `${props.name}-change-feed-listener` } }],
      lifecycle: { ignoreChanges: ["image_id"] },
    });
  }
}
