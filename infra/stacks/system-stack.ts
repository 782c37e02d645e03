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
import type { DataPath } from "../../domain/runtime/metrics.js";
import { ChangeFeed } from "../constructs/change-feed.js";
import type { DataPathProps } from "../constructs/data-path.js";
import { CommandApi } from "../constructs/command-api.js";
import { Encryption } from "../constructs/encryption.js";
import { EngineUsers } from "../constructs/engine-users.js";
import { featureLoaderUser, featureReaderUser, gatewayScopes, listenerUser } from "../../domain/redis/engine-users.js";
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
  const sessionManager = config.network.sessionManagerEndpoints ? ["ssm", "ssmmessages", "ec2messages"] : [];
  return [...(redisClients ? ["secretsmanager"] : []), ...(config.patterns.changeFeed ? ["lambda", "logs", ...sessionManager] : [])];
}

export class ElastiCachePatternsStack extends TerraformStack {
  /** The change feed's Aurora destinations, for their alarms. */
  private databases: { cluster: string; proxy: string }[] = [];

  constructor(scope: Construct, id: string, config: SystemConfig) {
    super(scope, id);
    this.backend(id, config);
    new AwsProvider(this, "aws", { region: config.region, defaultTags: [{ tags: config.tags }] });
    new RandomProvider(this, "random");
    const parts = this.foundations(config);
    const { cache } = parts;
    this.output("primary_endpoint", cache.primaryUrl, "Redis primary endpoint (TLS; AUTH token in the secret below)");
    this.output("reader_endpoint", cache.readerUrl, "Redis reader endpoint: spreads connections over the replicas (TLS; its certificate names it)");
    if (cache.featureUrl) this.output("feature_store_endpoint", cache.featureUrl, "Cluster-mode feature store configuration endpoint (TLS)");
    const functions = [
      ...(config.patterns.changeFeed ? this.changeFeed(parts) : []),
      ...(config.patterns.commandApi ? this.commandApi(parts) : []),
      ...(config.patterns.featureStore ? this.featureStore(parts) : []),
      ...(config.patterns.replicaDns ? this.replicaDns(parts) : []),
    ];
    this.observability(parts, functions);
  }

  private output(id: string, value: string | string[], description: string, sensitive = false): void {
    new TerraformOutput(this, id, { value, description, sensitive });
  }

  /** Terraform Cloud only when asked: its backend validates a terraform binary at synth. */
  private backend(id: string, config: SystemConfig): void {
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
  }

  private foundations(config: SystemConfig): DataPathProps {
    const { name, patterns } = config;
    const encryption = new Encryption(this, "encryption", { name, accountId: config.lookups.accountId });
    const network = new Network(this, "network", {
      name,
      cidr: config.network.cidr,
      availabilityZones: config.network.availabilityZones,
      availabilityZoneNames: config.lookups.availabilityZones,
      encryption,
      logRetentionDays: config.logRetentionDays,
      interfaceEndpoints: interfaceEndpointsFor(config),
      endpointZones: config.network.endpointZones,
    });
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
        ? {
            scopes: gatewayScopes(Object.values(config.commandApi.gateway.keyPrefixes)),
            scripts: config.commandApi.gateway.allowScripts,
            keyspaceScopes: config.commandApi.gateway.keyspaceChannelScopes,
          }
        : undefined,
    });
    const cache = new Cache(this, "cache", {
      name,
      config: config.cache,
      encryption,
      network,
      snapshotRetentionDays: config.cache.snapshotRetentionDays,
      users,
      featureStoreCluster: patterns.featureStore && config.featureStore.dedicatedCluster ? { shards: config.featureStore.shards } : undefined,
    });
    return { name, config, encryption, network, cache, users };
  }

  private changeFeed(parts: DataPathProps): NodejsFunction[] {
    const changeFeed = new ChangeFeed(this, "change-feed", parts);
    this.output(
      "redis_auth_secret_arn",
      parts.users.secrets.listener!.secret.arn,
      "Secrets Manager secret of the listener's engine user (username and password): the operator's way in, from the listener host",
    );
    this.output("change_table", changeFeed.table.name, "DynamoDB table the change feed writes to");
    for (const [engine, destination] of Object.entries(changeFeed.sql)) {
      this.output(`${engine}_endpoint`, destination.connection.host, `The ${engine} destination (IAM token, TLS; reachable from the listener host only)`);
      if (destination.cluster && destination.proxy) this.databases.push({ cluster: destination.cluster.clusterIdentifier, proxy: destination.proxy.name });
    }
    this.output(
      "listener_autoscaling_group",
      changeFeed.listener.group.name,
      "Auto Scaling group of the change-feed listener (one instance; Session Manager to reach it)",
    );
    return [changeFeed.writer];
  }

  private commandApi(parts: DataPathProps): NodejsFunction[] {
    const commandApi = new CommandApi(this, "command-api", parts);
    this.output("graphql_url", commandApi.graphql.uris.lookup("GRAPHQL"), "AppSync GraphQL endpoint of the command API");
    this.output("api_key", commandApi.apiKey.key, "AppSync API key (sensitive: terraform output -raw api_key)", true);
    this.output("api_key_expires", commandApi.apiKey.expires, "When the AppSync API key stops working: rotate it before (docs/deploying.md: Secrets)");
    this.output("rest_url", commandApi.rest.url, "Upstash-compatible REST endpoint");
    this.output(
      "rest_streaming_url",
      commandApi.streamingRest.url,
      "The same REST protocol with subscribe/psubscribe streams (point @upstash/redis here to subscribe)",
    );
    this.output("rest_tokens_secret_arn", commandApi.restTokens.arn, "Secrets Manager secret with the REST tokens (readWrite, readOnly)");
    return [commandApi.resolver, commandApi.redisRest, commandApi.redisSubscribe];
  }

  private featureStore(parts: DataPathProps): NodejsFunction[] {
    const featureStore = new FeatureStore(this, "feature-store", parts);
    this.output("feature_bucket", featureStore.batches.bucket.bucket, "S3 bucket for nightly recommendation files (uploads load automatically)");
    this.output("feature_url", featureStore.api.url, "Feature store reader: append recommendations?userId=1&rank=1");
    return [featureStore.loader, featureStore.reader];
  }

  private replicaDns(parts: DataPathProps): NodejsFunction[] {
    const { config } = parts;
    const replicaDns = new ReplicaDns(this, "replica-dns", parts);
    this.output("reader_cnames", replicaNames(config.replicaDns.cnameTemplate, config.cache.replicas), "Replica CNAMEs kept by the replica DNS keeper");
    this.output("hosted_zone_id", replicaDns.zone.zoneId, "Private hosted zone of the replica CNAMEs");
    return [replicaDns.keeper];
  }

  /** The alarms (and their topic), each data path's alarms, and the dashboard. */
  private observability({ name, config, encryption, cache }: DataPathProps, functions: NodejsFunction[]): void {
    const cacheNodes = cache.memberIds(config.cache.replicas);
    const alarms = new Alarms(this, "alarms", { name, config: config.alarms, encryption, cacheNodes, functions, databases: this.databases });
    const paths = enabledDataPaths(config);
    new DataPathAlarms(this, "data-path-alarms", { name, topic: alarms.topic, thresholds: config.alarms.dataPaths, paths });
    const dashboard = new Dashboard(this, "dashboard", { name, region: config.region, paths, cacheNodes });
    this.output(
      "dashboard_url",
      `https://${config.region}.console.aws.amazon.com/cloudwatch/home?region=${config.region}#dashboards/dashboard/${dashboard.dashboard.dashboardName}`,
      "CloudWatch dashboard: a row per data path (docs/operating.md)",
    );
  }
}
