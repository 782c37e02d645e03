import { expect } from "chai";
import { readFileSync } from "node:fs";
import { configFromEnvironment } from "../infra/config-environment.js";
import { maxStreamMilliseconds } from "../infra/constructs/streaming-rest-api.js";
import { of, one, synth, type Json } from "./harness/synth.js";

const variables = (fn: Record<string, unknown>) => (fn.environment as { variables: Record<string, string> }).variables;

describe("infrastructure: subscription streams on an API Gateway REST API (synthesized Terraform JSON)", function () {
  this.timeout(60_000);
  let json: Json;
  before(() => {
    json = synth(configFromEnvironment({ ECP_SUBSCRIBE_RESERVED_CONCURRENCY: "40" }));
  });

  it("/subscribe and /psubscribe stream from the streaming entry; every other path goes to the REST function, so one base URL serves the client", () => {
    const integrations = of(json, "aws_api_gateway_integration").map(([, i]) => i);
    const streaming = integrations.filter((i) => i.response_transfer_mode === "STREAM");
    expect(streaming).to.have.length(2);
    for (const i of streaming) {
      expect(String(i.uri)).to.match(
        /lambda:path\/2021-11-15\/functions\/\$\{aws_lambda_function\.[\w-]*redis-subscribe[\w-]*\.arn\}\/response-streaming-invocations$/,
      );
      expect(i.timeout_milliseconds).to.equal(maxStreamMilliseconds);
    }
    const buffered = integrations.filter((i) => i.response_transfer_mode === undefined);
    expect(buffered).to.have.length(2);
    for (const i of buffered) expect(String(i.uri)).to.match(/aws_lambda_function\.[\w-]*redis-rest[\w-]*\.invoke_arn/);
    const paths = of(json, "aws_api_gateway_resource").map(([, r]) => r.path_part);
    expect(paths.sort()).to.deep.equal(["psubscribe", "subscribe", "{proxy+}", "{proxy+}", "{proxy+}"]);
    expect(of(json, "aws_lambda_permission").filter(([, p]) => String(p.source_arn).includes("aws_api_gateway_rest_api"))).to.have.length(2);
    expect(Object.keys((json.output ?? {}) as object)).to.include("rest_streaming_url");
  });

  it("the streaming function: the REST bundle's `subscribe` export, alive longer than a stream, its concurrency the most streams at once", () => {
    const fns = of(json, "aws_lambda_function").map(([, f]) => f);
    const subscribe = fns.find((f) => String(f.function_name).endsWith("-redis-subscribe"))!;
    const rest = fns.find((f) => String(f.function_name).endsWith("-redis-rest"))!;
    expect(subscribe).to.deep.include({ handler: "index.subscribe", timeout: 900, memory_size: 256, reserved_concurrent_executions: 40 });
    // The bundle both are made from exports the streaming entry.
    expect(readFileSync("dist/redis-rest/index.mjs", "utf8")).to.match(/export\{[^}]*\bas subscribe\b/);
    expect(Number(variables(subscribe).STREAM_LIFETIME_SECONDS)).to.be.lessThan(Number(subscribe.timeout));
    expect(variables(subscribe).REST_TOKENS_SECRET_ARN).to.equal(variables(rest).REST_TOKENS_SECRET_ARN);
  });

  it("the stage: throttled like the HTTP API, access logs, X-Ray; the API regional; a lifetime API Gateway would cut is refused", () => {
    const stage = one(json, "aws_api_gateway_stage").config;
    expect(stage.xray_tracing_enabled).to.equal(true);
    const settings = one(json, "aws_api_gateway_method_settings").config;
    expect(settings).to.deep.include({ method_path: "*/*" });
    expect(settings.settings).to.deep.include({ throttling_rate_limit: 100, throttling_burst_limit: 200 });
    expect(one(json, "aws_api_gateway_rest_api").config.endpoint_configuration).to.deep.equal({ types: ["REGIONAL"] });
    expect(() => configFromEnvironment({ ECP_STREAM_LIFETIME_SECONDS: "900" })).to.throw(
      /STREAM_LIFETIME_SECONDS is 900: API Gateway ends a streamed response at 900 s/,
    );
  });
});
