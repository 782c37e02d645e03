// The whole system as one stack (one per environment: no cross-stack remote state to grant).
import { CloudBackend, LocalBackend, NamedCloudWorkspace, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import type { Construct } from "constructs";
import type { SystemConfig } from "../config.js";
import { Alarms } from "../constructs/alarms.js";
import { Cache } from "../constructs/cache.js";
import { Dashboard } from "../constructs/dashboard.js";
import { DataPathAlarms } from "../constructs/data-path-alarms.js";
import type { DataPath } from "../../functions/shared/metrics.js";
import { ChangeFeed } from "../constructs/change-feed.js";
import { CommandApi } from "../constructs/command-api.js";
import { Encryption } from "../constructs/encryption.js";
import { EngineUsers } from "../constructs/engine-users.js";
import { featureLoaderUser, featureReaderUser, gatewayScopes, listenerUser } from "../../functions/shared/redis/engine-users.js";
import { FeatureStore } from "../constructs/feature-store.js";
import { Network } from "../constructs/network.js";
import type { NodejsFunction } from "../constructs/nodejs-function.js";
import { ReplicaDns, replicaNames } from "../constructs/replica-dns.js";

/** The data paths this configuration deploys (each gets its dashboard row and its alarms). */
export function enabledDataPaths(config: SystemConfig): DataPath[] {
  const { patterns } = config;
  return [
    ...(patterns.changeFeed ? (["change-feed"] as const) : []),
    ...(patterns.commandApi ? (["command-gateway"] as const) : []),
    ...(patterns.featureStore ? (["feature-store"] as const) : []),
    ...(patterns.replicaDns ? (["replica-dns"] as const) : []),
  ];
}

/** Interface endpoints the private parts need: secrets for every Redis client, more for the listener (logs: its metrics, through the CloudWatch agent). */
export function interfaceEndpointsFor(config: SystemConfig): string[] {
  const redisClients = config.patterns.changeFeed || config.patterns.commandApi || config.patterns.featureStore;
  return [...(redisClients ? ["secretsmanager"] : []), ...(config.patterns.changeFeed ? ["lambda", "logs", "ssm", "ssmmessages", "ec2messages"] : [])];
}

export class ElastiCachePatternsStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: SystemConfig) {
    super(scope, id);
    // Terraform Cloud only when asked: its backend validates a terraform binary at synth.
    if (config.terraformCloud) {
      new CloudBackend(this, {
        organization: config.terraformCloud.organization,
        workspaces: new NamedCloudWorkspace(`${config.terraformCloud.workspacePrefix}-${id}`),
      });
    } else {
      // Relative to cdktf.out/stacks/<stack>/, where Terraform runs: the state lives beside the repository's
      // files, outside cdktf.out/ (which `make clean` deletes), so a clean never orphans a deployment.
      new LocalBackend(this, { path: `../../../${config.stateDirectory}/${id}.tfstate` });
    }
    new AwsProvider(this, "aws", { region: config.region, defaultTags: [{ tags: config.tags }] });
    new RandomProvider(this, "random");

    const { name } = config;
    const encryption = new Encryption(this, "encryption", { name, accountId: config.lookups.accountId });
    const network = new Network(this, "network", {
      name,
      cidr: config.network.cidr,
      availabilityZones: config.network.availabilityZones,
      availabilityZoneNames: config.lookups.availabilityZones,
      encryption,
      logRetentionDays: config.logRetentionDays,
      interfaceEndpoints: interfaceEndpointsFor(config),
    });
    const { patterns } = config;
    const users = new EngineUsers(this, "engine-users", {
      name,
      engine: config.cache.engine,
      encryption,
      secretRecoveryWindowDays: config.secretRecoveryWindowDays,
      users: {
        ...(patterns.changeFeed ? { listener: listenerUser } : {}),
        ...(patterns.featureStore ? { loader: featureLoaderUser, reader: featureReaderUser } : {}),
      },
      gateway: patterns.commandApi
        ? { scopes: gatewayScopes(Object.values(config.commandApi.gateway.keyPrefixes)), scripts: config.commandApi.gateway.allowScripts }
        : undefined,
    });
    const cache = new Cache(this, "cache", {
      name,
      config: config.cache,
      encryption,
      network,
      snapshotRetentionDays: config.cache.snapshotRetentionDays,
      users,
      featureStoreCluster: config.patterns.featureStore && config.featureStore.dedicatedCluster ? { shards: config.featureStore.shards } : undefined,
    });
    const parts = { name, config, encryption, network, cache, users };
    const functions: NodejsFunction[] = [];
    const output = (id: string, value: string | string[], description: string, sensitive = false) =>
      new TerraformOutput(this, id, { value, description, sensitive });

    output("primary_endpoint", cache.primaryUrl, "Redis primary endpoint (TLS; AUTH token in the secret below)");
    output("reader_endpoint", cache.readerUrl, "Redis reader endpoint: spreads connections over the replicas (TLS; its certificate names it)");
    if (cache.featureUrl) output("feature_store_endpoint", cache.featureUrl, "Cluster-mode feature store configuration endpoint (TLS)");

    if (config.patterns.changeFeed) {
      const changeFeed = new ChangeFeed(this, "change-feed", parts);
      functions.push(changeFeed.writer);
      output(
        "redis_auth_secret_arn",
        users.secrets.listener!.secret.arn,
        "Secrets Manager secret of the listener's engine user (username and password): the operator's way in, from the listener host",
      );
      output("change_table", changeFeed.table.name, "DynamoDB table the change feed writes to");
      output(
        "listener_autoscaling_group",
        changeFeed.listener.group.name,
        "Auto Scaling group of the change-feed listener (one instance; Session Manager to reach it)",
      );
    }
    if (config.patterns.commandApi) {
      const commandApi = new CommandApi(this, "command-api", parts);
      functions.push(commandApi.resolver, commandApi.redisRest);
      output("graphql_url", commandApi.graphql.uris.lookup("GRAPHQL"), "AppSync GraphQL endpoint of the command API");
      output("api_key", commandApi.apiKey.key, "AppSync API key (sensitive: terraform output -raw api_key)", true);
      output("api_key_expires", commandApi.apiKey.expires, "When the AppSync API key stops working: rotate it before (docs/deploying.md: Secrets)");
      output("rest_url", commandApi.rest.url, "Upstash-compatible REST endpoint");
      output("rest_tokens_secret_arn", commandApi.restTokens.arn, "Secrets Manager secret with the REST tokens (readWrite, readOnly)");
    }
    if (config.patterns.featureStore) {
      const featureStore = new FeatureStore(this, "feature-store", parts);
      functions.push(featureStore.loader, featureStore.reader);
      output("feature_bucket", featureStore.batches.bucket.bucket, "S3 bucket for nightly recommendation files (uploads load automatically)");
      output("feature_url", featureStore.api.url, "Feature store reader: append recommendations?userId=1&rank=1");
    }
    if (config.patterns.replicaDns) {
      const replicaDns = new ReplicaDns(this, "replica-dns", parts);
      functions.push(replicaDns.keeper);
      output("reader_cnames", replicaNames(config.replicaDns.cnameTemplate, config.cache.replicas), "Replica CNAMEs kept by the replica DNS keeper");
      output("hosted_zone_id", replicaDns.zone.zoneId, "Private hosted zone of the replica CNAMEs");
    }
    const cacheNodes = cache.memberIds(config.cache.replicas);
    const alarms = new Alarms(this, "alarms", { name, config: config.alarms, encryption, cacheNodes, functions });
    const paths = enabledDataPaths(config);
    new DataPathAlarms(this, "data-path-alarms", { name, topic: alarms.topic, thresholds: config.alarms.dataPaths, paths });
    const dashboard = new Dashboard(this, "dashboard", { name, region: config.region, paths, cacheNodes });
    output(
      "dashboard_url",
      `https://${config.region}.console.aws.amazon.com/cloudwatch/home?region=${config.region}#dashboards/dashboard/${dashboard.dashboard.dashboardName}`,
      "CloudWatch dashboard: a row per data path (docs/operating.md)",
    );
  }
}
