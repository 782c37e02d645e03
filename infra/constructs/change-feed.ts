// Change feed: the DynamoDB table, the writer Lambda, and the listener host (listener-host.ts) with its
// configuration and mapping file (no secret in either: its engine user's password is read from Secrets Manager).
import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { listenerPaths, metricsAgentAddress } from "../listener-boot.js";
import { retainTags } from "../conventions.js";
import { functionDefaults, type DataPathProps } from "./data-path.js";
import { ListenerHost, metricsLogGroupName } from "./listener-host.js";
import { NodejsFunction } from "./nodejs-function.js";
import { AuroraDestination } from "./aurora-destination.js";
import { sqlEngines, type SqlEngine } from "../../domain/change-feed/sql-destination.js";

export class ChangeFeed extends Construct {
  readonly table: DynamodbTable;
  readonly writer: NodejsFunction;
  readonly listener: ListenerHost;
  readonly sql: Partial<Record<SqlEngine, AuroraDestination>>;

  constructor(scope: Construct, id: string, props: DataPathProps) {
    super(scope, id);
    const { config, encryption, network } = props;
    const listenerUser = props.users.secrets.listener!;
    this.table = new DynamodbTable(this, "table", {
      name: `${props.name}-${config.changeFeed.tableName}`,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "id",
      attribute: [{ name: "id", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: encryption.key.arn },
      // Tombstones of deleted keys carry _expiresAt; DynamoDB removes them after it.
      ttl: { attributeName: "_expiresAt", enabled: true },
      // Off by default so `make destroy` removes everything in one run; PITR keeps 35 days of history.
      deletionProtectionEnabled: config.changeFeed.deletionProtection,
      tags: retainTags(config.changeFeed.deletionProtection),
    });
    this.writer = new NodejsFunction(this, "writer", {
      dataPath: "change-feed",
      defaults: functionDefaults(props),
      bundle: "change-writer",
      environment: { ALLOWED_TABLES: this.table.name },
      statements: [{ sid: "WriteItems", actions: ["dynamodb:PutItem"], resources: [this.table.arn] }],
    });

    this.sql = this.sqlDestinations(props);
    this.listener = new ListenerHost(this, "listener", {
      name: props.name,
      encryption,
      network,
      instanceType: config.changeFeed.listenerInstanceType,
      groupSize: config.changeFeed.listenerGroupSize,
      nodeMajor: config.changeFeed.listenerNodeMajor,
      amiId: config.lookups.listenerAmiId,
      configuration: JSON.stringify(this.listenerConfiguration(props), null, 2),
      mappings: JSON.stringify({ mappings: this.mappingFile(props) }, null, 2),
      bootNeeds: [listenerUser.value],
      logRetentionDays: config.logRetentionDays,
      statements: [
        { sid: "OwnEngineUser", actions: ["secretsmanager:GetSecretValue"], resources: [listenerUser.secret.arn] },
        { sid: "DeliverToTheWriter", actions: ["lambda:InvokeFunction"], resources: [this.writer.function.arn] },
        // Direct mappings write themselves; rescans look for items whose key is gone.
        // ...and the drift sample reads items (reconcile's progress bar, the table's size).
        {
          sid: "DirectWritesRescansAndDrift",
          actions: ["dynamodb:PutItem", "dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DescribeTable"],
          resources: [this.table.arn],
        },
        ...Object.values(this.sql).map((d) => d.connection.connect),
      ],
    });
  }

  /** The SQL destinations the configuration turns on, each reachable from the listener only. */
  private sqlDestinations({ name, config, encryption, network }: DataPathProps): Partial<Record<SqlEngine, AuroraDestination>> {
    const made: Partial<Record<SqlEngine, AuroraDestination>> = {};
    for (const engine of sqlEngines) {
      const settings = config.changeFeed.sql[engine];
      if (settings.mode !== "off")
        made[engine] = new AuroraDestination(this, engine, { name, engine, settings, encryption, network, writerGroup: network.listenerGroup });
    }
    return made;
  }

  /** The mappings of the configuration, on this table (and through the writer, for mappings that ask for it). */
  private mappingFile({ config }: DataPathProps) {
    return config.changeFeed.mappings.map((m) => ({
      name: m.name,
      pattern: m.pattern,
      table: this.table.name,
      ...(m.lambda ? { lambda: this.writer.function.functionName } : {}),
      ...(m.partitionKey ? { partitionKey: m.partitionKey } : {}),
      ...(m.format ? { format: m.format } : {}),
      ...(m.destination ? { destination: m.destination, table: m.table, columns: m.columns } : {}),
    }));
  }

  /** The listener's configuration file (listener/config.ts reads it on the host). */
  private listenerConfiguration({ name, config, encryption, cache, users }: DataPathProps) {
    return {
      redisUrl: cache.primaryUrl,
      redisAuthSecretArn: users.secrets.listener!.secret.arn,
      region: encryption.region,
      mappingFile: `${listenerPaths.installDir}/mappings.json`,
      listener: { healthFile: `${listenerPaths.stateDir}/health.json`, allowCatchAllMappings: config.changeFeed.allowCatchAllMappings },
      // The drift alarm's period is the sampling interval: one setting for both.
      drift: { intervalMs: config.alarms.dataPaths.driftIntervalSeconds * 1000 },
      metricsAgent: metricsAgentAddress,
      metricsLogGroup: metricsLogGroupName(name),
      // Through RDS Proxy (or the user's endpoint) with an IAM token the listener makes from its role: no password anywhere.
      sql: Object.fromEntries(
        Object.entries(this.sql).map(([engine, d]) => [
          engine,
          { host: d.connection.host, port: d.connection.port, database: d.connection.database, user: d.connection.user, iamAuth: true },
        ]),
      ),
    };
  }
}
