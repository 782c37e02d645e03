// Feature store: the batch-file bucket, the loader (S3 object-created and by hand), and the reader
// behind an HTTP API (GET /recommendations), on the main group or a dedicated cluster-mode group.
import { Construct } from "constructs";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { forceDestroyFeatureBucket } from "../config.js";
import { functionDefaults, type DataPathProps } from "./data-path.js";
import { HttpApi } from "./http-api.js";
import { NodejsFunction } from "./nodejs-function.js";
import { SecureBucket } from "./secure-bucket.js";

export class FeatureStore extends Construct {
  readonly batches: SecureBucket;
  readonly loader: NodejsFunction;
  readonly reader: NodejsFunction;
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: DataPathProps) {
    super(scope, id);
    const { config, encryption, cache } = props;
    const defaults = functionDefaults(props);

    this.batches = new SecureBucket(this, "batches", {
      name: `${props.name}-feature-batches-${encryption.accountId}`,
      encryption,
      forceDestroy: forceDestroyFeatureBucket(config),
    });
    this.loader = new NodejsFunction(this, "loader", {
      dataPath: "feature-store",
      defaults,
      bundle: "feature-loader",
      redis: cache.clientAccess("loader", "features"),
      environment: { PREVIOUS_VERSION_TTL_SECONDS: String(config.featureStore.previousVersionTtlSeconds), WAIT_FOR_REPLICAS: "1" },
      statements: [{ sid: "ReadBatchFiles", actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: [`${this.batches.bucket.arn}/*`] }],
      memorySize: 1024,
      timeout: 900,
    });
    const allowS3 = new LambdaPermission(this, "s3-invokes-loader", {
      action: "lambda:InvokeFunction",
      functionName: this.loader.function.functionName,
      principal: "s3.amazonaws.com",
      sourceArn: this.batches.bucket.arn,
      sourceAccount: encryption.accountId,
    });
    new S3BucketNotification(this, "object-created", {
      bucket: this.batches.bucket.id,
      lambdaFunction: [{ lambdaFunctionArn: this.loader.function.arn, events: ["s3:ObjectCreated:*"] }],
      dependsOn: [allowS3],
    });

    this.reader = new NodejsFunction(this, "reader", {
      dataPath: "feature-store",
      defaults,
      bundle: "feature-reader",
      redis: cache.clientAccess("reader", "features"),
      memorySize: 256,
      timeout: 5,
    });
    this.api = new HttpApi(this, "api", {
      name: `${props.name}-features`,
      target: this.reader,
      routes: ["GET /recommendations", "GET /recommendations/report"],
      throttle: config.featureStore.throttle,
      encryption,
      logRetentionDays: config.logRetentionDays,
    });
  }
}
