// An API Gateway HTTP API in front of one Lambda: throttled stage, JSON access logs, proxy integration.
import { Construct } from "constructs";
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import type { Encryption } from "./encryption.js";
import type { NodejsFunction } from "./nodejs-function.js";

/** One JSON line per request, the same on every API Gateway stage (HTTP and REST APIs share these variables). */
export const accessLogFormat = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  method: "$context.httpMethod",
  path: "$context.path",
  status: "$context.status",
  latencyMs: "$context.responseLatency",
  integrationError: "$context.integrationErrorMessage",
});

export interface HttpApiProps {
  name: string;
  target: NodejsFunction;
  /** Route keys, e.g. `GET /recommendations` or `ANY /{proxy+}`. */
  routes: string[];
  throttle: { rate: number; burst: number };
  encryption: Encryption;
  logRetentionDays: number;
}

export class HttpApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new Apigatewayv2Api(this, "api", { name: props.name, protocolType: "HTTP" });
    const integration = new Apigatewayv2Integration(this, "integration", {
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationUri: props.target.function.invokeArn,
      payloadFormatVersion: "2.0",
    });
    for (const [i, routeKey] of props.routes.entries()) {
      new Apigatewayv2Route(this, `route-${i}`, { apiId: this.api.id, routeKey, target: `integrations/${integration.id}` });
    }
    const accessLogs = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.name}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.encryption.key.arn,
    });
    this.stage = new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: "$default",
      autoDeploy: true,
      defaultRouteSettings: { throttlingRateLimit: props.throttle.rate, throttlingBurstLimit: props.throttle.burst, detailedMetricsEnabled: true },
      accessLogSettings: {
        destinationArn: accessLogs.arn,
        format: accessLogFormat,
      },
    });
    new LambdaPermission(this, "invoke", {
      action: "lambda:InvokeFunction",
      functionName: props.target.function.functionName,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/*/*`,
    });
  }

  get url(): string {
    return this.stage.invokeUrl;
  }
}
