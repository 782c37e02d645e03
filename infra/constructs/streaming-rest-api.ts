// The REST endpoint that can stream: an API Gateway REST API (HTTP APIs cannot stream a Lambda's
// response). `/subscribe/{proxy+}` and `/psubscribe/{proxy+}` go to the streaming function through
// InvokeWithResponseStream (responseTransferMode STREAM, up to 15 minutes); every other path to the
// buffered REST function, so one base URL serves the whole Upstash protocol. Regional, throttled
// per stage, access logs and X-Ray on.
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import type { Encryption } from "./encryption.js";
import { accessLogFormat } from "./http-api.js";
import type { NodejsFunction } from "./nodejs-function.js";
import { assumeRolePolicy } from "./policy.js";

/** API Gateway's own limit on a streamed response (and the integration timeout that allows it). */
export const maxStreamMilliseconds = 900_000;

export interface StreamingRestApiProps {
  name: string;
  /** Serves every path but the streams (the Upstash protocol's commands, pipelines, transactions). */
  buffered: NodejsFunction;
  /** Serves `/subscribe/...` and `/psubscribe/...` as a streamed response. */
  streaming: NodejsFunction;
  throttle: { rate: number; burst: number };
  encryption: Encryption;
  logRetentionDays: number;
}

export class StreamingRestApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;

  constructor(scope: Construct, id: string, props: StreamingRestApiProps) {
    super(scope, id);
    const { encryption } = props;
    this.api = new ApiGatewayRestApi(this, "api", {
      name: `${props.name}-redis-rest-streaming`,
      description: "Upstash REST protocol with subscribe/psubscribe streams",
      endpointConfiguration: { types: ["REGIONAL"] },
    });
    const lambdaUri = (fn: NodejsFunction, streaming: boolean) =>
      streaming
        ? `arn:${encryption.partition}:apigateway:${encryption.region}:lambda:path/2021-11-15/functions/${fn.function.arn}/response-streaming-invocations`
        : fn.function.invokeArn;
    const routes: { id: string; parentId: string; pathPart?: string; fn: NodejsFunction; streaming: boolean }[] = [
      { id: "root", parentId: this.api.rootResourceId, fn: props.buffered, streaming: false },
      { id: "any", parentId: this.api.rootResourceId, pathPart: "{proxy+}", fn: props.buffered, streaming: false },
    ];
    for (const kind of ["subscribe", "psubscribe"]) {
      const resource = new ApiGatewayResource(this, kind, { restApiId: this.api.id, parentId: this.api.rootResourceId, pathPart: kind });
      routes.push({ id: `${kind}-names`, parentId: resource.id, pathPart: "{proxy+}", fn: props.streaming, streaming: true });
    }
    const made = routes.map((route) => {
      const resourceId = route.pathPart
        ? new ApiGatewayResource(this, `${route.id}-resource`, { restApiId: this.api.id, parentId: route.parentId, pathPart: route.pathPart }).id
        : route.parentId;
      // Callers present the REST token; the functions check it (as on the HTTP API), the stage throttles.
      const method = new ApiGatewayMethod(this, `${route.id}-method`, { restApiId: this.api.id, resourceId, httpMethod: "ANY", authorization: "NONE" });
      return new ApiGatewayIntegration(this, `${route.id}-integration`, {
        restApiId: this.api.id,
        resourceId,
        httpMethod: method.httpMethod,
        type: "AWS_PROXY",
        integrationHttpMethod: "POST",
        uri: lambdaUri(route.fn, route.streaming),
        ...(route.streaming ? { responseTransferMode: "STREAM", timeoutMilliseconds: maxStreamMilliseconds } : {}),
      });
    });
    const deployment = new ApiGatewayDeployment(this, "deployment", {
      restApiId: this.api.id,
      // A new deployment whenever a route or its integration changes.
      triggers: { redeployment: Fn.sha1(Fn.jsonencode(made.map((i) => [i.id, i.uri]))) },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: made,
    });
    this.stage = this.loggedStage(props, deployment);
    new ApiGatewayMethodSettings(this, "throttle", {
      restApiId: this.api.id,
      stageName: this.stage.stageName,
      methodPath: "*/*",
      settings: { throttlingRateLimit: props.throttle.rate, throttlingBurstLimit: props.throttle.burst, metricsEnabled: true, loggingLevel: "OFF" },
    });
    for (const [n, fn] of [props.buffered, props.streaming].entries()) {
      new LambdaPermission(this, `invoke-${n}`, {
        action: "lambda:InvokeFunction",
        functionName: fn.function.functionName,
        principal: "apigateway.amazonaws.com",
        sourceArn: `${this.api.executionArn}/*/*`,
      });
    }
  }

  /**
   * The stage, with JSON access logs and X-Ray. A REST API logs through the region's API Gateway account
   * role (one per account and region, shared with any other REST API there): it is set here, and kept on destroy.
   */
  private loggedStage(props: StreamingRestApiProps, deployment: ApiGatewayDeployment): ApiGatewayStage {
    const role = new IamRole(this, "logs-role", { namePrefix: `${props.name}-apigw-logs-`, assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com") });
    const attachment = new IamRolePolicyAttachment(this, "logs-role-policy", {
      role: role.name,
      policyArn: `arn:${props.encryption.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
    });
    const account = new ApiGatewayAccount(this, "account", { cloudwatchRoleArn: role.arn, dependsOn: [attachment] });
    const accessLogs = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.name}-redis-rest-streaming`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.encryption.key.arn,
    });
    return new ApiGatewayStage(this, "stage", {
      restApiId: this.api.id,
      deploymentId: deployment.id,
      stageName: "v1",
      xrayTracingEnabled: true,
      accessLogSettings: {
        destinationArn: accessLogs.arn,
        format: accessLogFormat,
      },
      dependsOn: [account],
    });
  }

  get url(): string {
    return this.stage.invokeUrl;
  }
}
