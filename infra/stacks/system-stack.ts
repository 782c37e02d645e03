import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { SystemConfig } from "../config.js";

export class ElastiCachePatternsStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: SystemConfig) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: config.region, defaultTags: [{ tags: config.tags }] });
  }
}
