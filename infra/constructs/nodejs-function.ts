// One Lambda function, set up once: the esbuild bundle as an asset, its own least-privilege role, a log
// group with retention, X-Ray, a dead-letter queue for asynchronous invocations, and VPC access when asked.
import { Construct } from "constructs";
import { AssetType, Fn, TerraformAsset } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { resolve } from "node:path";
import { dataPathTag, lambdaVpcActions } from "../conventions.js";
import type { Encryption } from "./encryption.js";
import { nodeMajor } from "../config.js";
import { assumeRolePolicy, policyDocument, type Statement } from "./policy.js";
import type { DataPath } from "../../domain/runtime/metrics.js";

/** What every function of one deployment shares: the name prefix, the key, the log retention. */
export interface FunctionDefaults {
  namePrefix: string;
  encryption: Encryption;
  logRetentionDays: number;
}

/** What a function needs to reach a Redis group: its environment, its permissions and its VPC placement (Cache.clientAccess). */
export interface RedisAccess {
  environment: Record<string, string>;
  statements: Statement[];
  vpc: { subnetIds: string[]; securityGroupIds: string[] };
}

export interface NodejsFunctionProps {
  defaults: FunctionDefaults;
  /** The data path it serves: tagged `ecp:data-path`, which the policy suite checks has an alarm. */
  dataPath: DataPath;
  /** The folder under `functions/` (and `dist/`); also the function's name after the prefix, unless `name` says otherwise. */
  bundle: string;
  /** The function's name after the prefix, when one bundle serves two functions. */
  name?: string;
  /** The bundle's export that Lambda calls. @default "handler" */
  handler?: string;
  environment?: Record<string, string>;
  /** What the function may do besides logging and tracing. */
  statements?: Statement[];
  /** Talks to Redis: placed in the VPC with the group's environment and the AUTH token's permission. */
  redis?: RedisAccess;
  memorySize?: number;
  timeout?: number;
  /** 1 for functions that must never run twice at once (the DNS keeper). */
  reservedConcurrency?: number;
}

export class NodejsFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly deadLetterQueue: SqsQueue;

  constructor(scope: Construct, id: string, props: NodejsFunctionProps) {
    super(scope, id);
    const { encryption, logRetentionDays, namePrefix } = props.defaults;
    const name = `${namePrefix}-${props.name ?? props.bundle}`;
    const vpc = props.redis?.vpc;
    // Absolute: relative asset paths resolve against cdktf.json's folder, not this file's.
    const asset = new TerraformAsset(this, "code", { path: resolve("dist", props.bundle), type: AssetType.ARCHIVE });
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${name}`,
      retentionInDays: logRetentionDays,
      kmsKeyId: encryption.key.arn,
    });
    this.deadLetterQueue = new SqsQueue(this, "dlq", {
      name: `${name}-dlq`,
      messageRetentionSeconds: 1_209_600,
      kmsMasterKeyId: encryption.key.arn,
    });
    this.role = new IamRole(this, "role", { name: `${name}-fn`, assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com") });
    const statements = this.leastPrivilege(props);
    const policy = new IamRolePolicy(this, "policy", { name: "least-privilege", role: this.role.id, policy: policyDocument(statements) });
    this.function = new LambdaFunction(this, "function", {
      functionName: name,
      role: this.role.arn,
      runtime: `nodejs${nodeMajor}.x`,
      architectures: ["arm64"],
      handler: `index.${props.handler ?? "handler"}`,
      filename: asset.path,
      // AWS compares a base64 SHA-256; the asset's own hash would show a change on every plan.
      sourceCodeHash: Fn.filebase64sha256(asset.path),
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? 30,
      reservedConcurrentExecutions: props.reservedConcurrency,
      kmsKeyArn: encryption.key.arn,
      environment: { variables: { NODE_OPTIONS: "--enable-source-maps", ...props.redis?.environment, ...props.environment } },
      tracingConfig: { mode: "Active" },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      // Powertools' Logger reads the application level Lambda sets (AWS_LAMBDA_LOG_LEVEL).
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
      tags: { [dataPathTag]: props.dataPath },
      vpcConfig: vpc,
      dependsOn: [this.logGroup, policy],
    });
  }

  /** Its own log group, tracing, its dead-letter queue, the key, the VPC's interfaces when in one, and what the path adds. */
  private leastPrivilege(props: NodejsFunctionProps): Statement[] {
    const { encryption } = props.defaults;
    const vpc = props.redis?.vpc;
    return [
      {
        sid: "OwnLogGroup",
        actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.arn, `${this.logGroup.arn}:*`],
      },
      // X-Ray and VPC network interfaces accept no narrower resource than "*".
      { sid: "Tracing", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
      { sid: "DeadLetters", actions: ["sqs:SendMessage"], resources: [this.deadLetterQueue.arn] },
      { sid: "EncryptedEnvironmentAndQueue", actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [encryption.key.arn] },
      ...(vpc
        ? [
            {
              sid: "VpcNetworkInterfaces",
              // Those of AWSLambdaVPCAccessExecutionRole (its logs actions are in OwnLogGroup above).
              actions: lambdaVpcActions.filter((a) => a.startsWith("ec2:")),
              resources: ["*"],
            },
          ]
        : []),
      ...(props.redis?.statements ?? []),
      ...(props.statements ?? []),
    ];
  }
}
