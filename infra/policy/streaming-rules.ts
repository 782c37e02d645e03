// Rules for the REST API that streams subscriptions: its stages log, trace and throttle, its endpoint
// is regional (the 5-minute idle limit and 15-minute streams are a regional endpoint's), and a Lambda
// integration streams exactly when it invokes the streaming API (each needs the other).
import { referencedBy, referencesTo, truthy, type PolicyRule, type ResourceConfig } from "./terraform-json.js";

const streamingInvocation = /\/response-streaming-invocations$/;

export const streamingRules: PolicyRule[] = [
  {
    id: "ECP-REST-STAGE-ACCESS-LOGS",
    checkov: "CKV_AWS_76",
    title: "API Gateway REST API stages write access logs",
    types: ["aws_api_gateway_stage"],
    check: (r) => ((r.access_log_settings as ResourceConfig | undefined)?.destination_arn ? undefined : "no access_log_settings.destination_arn"),
  },
  {
    id: "ECP-REST-STAGE-TRACING",
    checkov: "CKV_AWS_73",
    title: "API Gateway REST API stages have X-Ray tracing",
    types: ["aws_api_gateway_stage"],
    check: (r) => (truthy(r.xray_tracing_enabled) ? undefined : "xray_tracing_enabled is not true"),
  },
  {
    id: "ECP-REST-STAGE-THROTTLING",
    title: "Every API Gateway REST API stage throttles all its methods (method settings `*/*` with a rate and a burst)",
    types: ["aws_api_gateway_stage"],
    check: (_r, name, all) => {
      const settings = referencedBy(all, "aws_api_gateway_method_settings", "stage_name", `aws_api_gateway_stage.${name}.`)
        .map(([, s]) => s)
        .find((s) => s.method_path === "*/*");
      const limits = settings?.settings as ResourceConfig | undefined;
      return Number(limits?.throttling_rate_limit) > 0 && Number(limits?.throttling_burst_limit) > 0 ? undefined : "no */* method settings with throttling";
    },
  },
  {
    id: "ECP-REST-API-REGIONAL",
    title: "API Gateway REST APIs are regional (streams last up to 15 minutes and idle out after 5 only there)",
    types: ["aws_api_gateway_rest_api"],
    check: (r) => {
      const types = (r.endpoint_configuration as ResourceConfig | undefined)?.types;
      return JSON.stringify(types) === '["REGIONAL"]' ? undefined : `endpoint_configuration.types is ${JSON.stringify(types ?? "unset")}, not ["REGIONAL"]`;
    },
  },
  {
    id: "ECP-STREAMING-INTEGRATION",
    title: "A Lambda integration streams (responseTransferMode STREAM) exactly when it calls InvokeWithResponseStream, with a timeout that covers a stream",
    types: ["aws_api_gateway_integration"],
    check: (r) => {
      const streams = r.response_transfer_mode === "STREAM";
      const invokesStreaming = streamingInvocation.test(String(r.uri ?? ""));
      if (streams !== invokesStreaming)
        return streams ? "STREAM mode but the uri is not response-streaming-invocations" : "response-streaming-invocations without STREAM mode";
      if (streams && Number(r.timeout_milliseconds ?? 29_000) < 60_000)
        return `timeout_milliseconds ${r.timeout_milliseconds ?? 29_000} ends a stream within a minute`;
      if (streams && referencesTo(r.uri, "aws_lambda_function").length !== 1) return "the streaming uri names no function of this stack";
      return undefined;
    },
  },
];
