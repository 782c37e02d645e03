// CDKTF entry point (`cdktf.json` -> `npx tsx infra/main.ts`): one stack for the whole system.
import { App } from "cdktf";
import { configFromEnvironment } from "./config-environment.js";
import { ElastiCachePatternsStack } from "./stacks/system-stack.js";

const app = new App();
new ElastiCachePatternsStack(app, "elasticache-patterns", configFromEnvironment());
app.synth();
