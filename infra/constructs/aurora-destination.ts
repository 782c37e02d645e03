// A SQL destination of the change feed in AWS, per engine. `aurora`: an Aurora Serverless v2 cluster in
// the private subnets (encrypted with the stack's key, TLS required, IAM authentication on, the master
// password an RDS-managed secret that RDS rotates), reached only through RDS Proxy, which admits only
// the listener and only with an IAM token. `existing`: an endpoint the user runs; the listener gets the
// IAM grant for the database user named and a route out to it, nothing else. Why a proxy and not the
// RDS Data API: docs/deploying.md, "SQL destinations".
import { Construct } from "constructs";
import { Fn, TerraformLocal } from "cdktf";
import { DbProxy } from "@cdktf/provider-aws/lib/db-proxy";
import { DbProxyDefaultTargetGroup } from "@cdktf/provider-aws/lib/db-proxy-default-target-group";
import { DbProxyTarget } from "@cdktf/provider-aws/lib/db-proxy-target";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { auroraDefaults, type SqlDestinationSettings } from "../config.js";
import type { SqlEngine } from "../../domain/change-feed/sql-destination.js";
import { retainTags } from "../conventions.js";
import type { Encryption } from "./encryption.js";
import type { Network } from "./network.js";
import { assumeRolePolicy, policyDocument, type Statement } from "./policy.js";

/** The database user the proxy logs in as (the cluster's master user, its password RDS's own secret) and the listener names in its IAM token. */
export const auroraUser = "changefeed";

/** How the listener reaches one SQL destination: its connection (IAM authentication, TLS) and what it must be allowed. */
export interface SqlConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  /** `rds-db:connect` on this database user, and nothing else. */
  connect: Statement;
}

export interface AuroraDestinationProps {
  name: string;
  engine: SqlEngine;
  settings: Exclude<SqlDestinationSettings, { mode: "off" }>;
  encryption: Encryption;
  network: Network;
  /** The writer's group (the listener's): the only one the proxy admits. */
  writerGroup: SecurityGroup;
}

export class AuroraDestination extends Construct {
  readonly connection: SqlConnection;
  /** The cluster and its proxy, when this stack makes them. */
  cluster?: RdsCluster;
  proxy?: DbProxy;

  constructor(scope: Construct, id: string, props: AuroraDestinationProps) {
    super(scope, id);
    const { settings, engine, encryption } = props;
    if (settings.mode === "existing") {
      props.network.allow(`listener-to-${engine}`, props.writerGroup, { cidr: settings.cidr }, settings.port, `${engine} destination`);
      this.connection = {
        host: settings.host,
        port: settings.port,
        database: settings.databaseName,
        user: settings.user,
        connect: { sid: `ConnectTo${engine === "postgres" ? "Postgres" : "Mysql"}`, actions: ["rds-db:connect"], resources: [settings.dbUserArn] },
      };
      return;
    }
    const proxy = this.aurora(props, settings);
    // The proxy's own id (`prx-...`), the last part of its ARN, names it in rds-db:connect. A local, so the
    // policy's JSON holds a plain reference (a quoted argument inside it would break the JSON).
    const proxyId = new TerraformLocal(this, "proxy-id", Fn.element(Fn.split(":", proxy.arn), 6)).asString;
    this.connection = {
      host: proxy.endpoint,
      port: auroraDefaults[engine].port,
      database: settings.databaseName,
      user: auroraUser,
      connect: {
        sid: `ConnectTo${engine === "postgres" ? "Postgres" : "Mysql"}`,
        actions: ["rds-db:connect"],
        resources: [`arn:${encryption.partition}:rds-db:${encryption.region}:${encryption.accountId}:dbuser:${proxyId}/${auroraUser}`],
      },
    };
  }

  private aurora(props: AuroraDestinationProps, settings: Extract<SqlDestinationSettings, { mode: "aurora" }>): DbProxy {
    const { engine, network } = props;
    const defaults = auroraDefaults[engine];
    const proxyGroup = network.addGroup(`${engine}-proxy`, `RDS Proxy of the ${engine} destination: from the listener only`);
    const databaseGroup = network.addGroup(`${engine}-cluster`, `Aurora ${engine} destination: from its proxy only`);
    network.allow(`listener-to-${engine}-proxy`, props.writerGroup, proxyGroup, defaults.port, `${engine} through RDS Proxy`);
    network.allow(`${engine}-proxy-to-cluster`, proxyGroup, databaseGroup, defaults.port, `${engine} proxy to its cluster`);

    this.cluster = this.clusterOf(props, settings, databaseGroup);
    return this.proxyOf(props, this.cluster, proxyGroup);
  }

  /** The Aurora Serverless v2 cluster and its one writer, in the private subnets, admitting only the proxy. */
  private clusterOf(props: AuroraDestinationProps, settings: Extract<SqlDestinationSettings, { mode: "aurora" }>, databaseGroup: SecurityGroup): RdsCluster {
    const { name, engine, encryption, network } = props;
    const defaults = auroraDefaults[engine];
    const subnets = new DbSubnetGroup(this, "subnets", { namePrefix: `${name}-${engine}-`, subnetIds: network.privateSubnetIds });
    // TLS or nothing, on the server too (the proxy requires it of clients: require_tls below).
    const tls = engine === "postgres" ? { name: "rds.force_ssl", value: "1" } : { name: "require_secure_transport", value: "ON" };
    const parameters = new RdsClusterParameterGroup(this, "parameters", {
      namePrefix: `${name}-${engine}-`,
      family: defaults.family,
      description: `${name}: the ${engine} destination requires TLS`,
      parameter: [{ ...tls, applyMethod: "pending-reboot" }],
      lifecycle: { createBeforeDestroy: true },
    });
    const cluster = new RdsCluster(this, "cluster", {
      clusterIdentifierPrefix: `${name}-${engine}-`,
      engine: defaults.engine,
      engineMode: "provisioned",
      engineVersion: settings.engineVersion,
      databaseName: settings.databaseName,
      masterUsername: auroraUser,
      // RDS keeps the password in a secret of its own, encrypted with the stack's key, and rotates it (every 7 days).
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: encryption.key.arn,
      iamDatabaseAuthenticationEnabled: true,
      storageEncrypted: true,
      kmsKeyId: encryption.key.arn,
      dbSubnetGroupName: subnets.name,
      dbClusterParameterGroupName: parameters.name,
      vpcSecurityGroupIds: [databaseGroup.id],
      serverlessv2ScalingConfiguration: { minCapacity: settings.minCapacity, maxCapacity: settings.maxCapacity },
      backupRetentionPeriod: 7,
      copyTagsToSnapshot: true,
      deletionProtection: settings.deletionProtection,
      // `make destroy` in one run; the 7 days of backups are the way back (and deletion protection, for production).
      skipFinalSnapshot: true,
      tags: retainTags(settings.deletionProtection),
    });
    new RdsClusterInstance(this, "writer", {
      identifierPrefix: `${name}-${engine}-`,
      clusterIdentifier: cluster.id,
      instanceClass: "db.serverless",
      engine: defaults.engine,
      engineVersion: settings.engineVersion,
      dbSubnetGroupName: subnets.name,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
    });
    return cluster;
  }

  /** RDS Proxy in front of `cluster`: logs in with the master secret, admits IAM tokens over TLS only. */
  private proxyOf(props: AuroraDestinationProps, cluster: RdsCluster, proxyGroup: SecurityGroup): DbProxy {
    const { name, engine, encryption, network } = props;
    const secretArn = cluster.masterUserSecret.get(0).secretArn;
    const role = new IamRole(this, "proxy-role", { namePrefix: `${name}-${engine}-proxy-`, assumeRolePolicy: assumeRolePolicy("rds.amazonaws.com") });
    const rolePolicy = new IamRolePolicy(this, "proxy-policy", {
      role: role.id,
      policy: policyDocument([
        { sid: "ReadTheMasterSecret", actions: ["secretsmanager:GetSecretValue"], resources: [secretArn] },
        {
          sid: "DecryptItThroughSecretsManager",
          actions: ["kms:Decrypt"],
          resources: [encryption.key.arn],
          conditions: { StringEquals: { "kms:ViaService": `secretsmanager.${encryption.region}.amazonaws.com` } },
        },
      ]),
    });
    const proxy = new DbProxy(this, "proxy", {
      name: `${name}-${engine}`,
      engineFamily: engine === "postgres" ? "POSTGRESQL" : "MYSQL",
      auth: [{ authScheme: "SECRETS", iamAuth: "REQUIRED", secretArn, description: "The listener, with an IAM token" }],
      requireTls: true,
      roleArn: role.arn,
      vpcSubnetIds: network.privateSubnetIds,
      vpcSecurityGroupIds: [proxyGroup.id],
      idleClientTimeout: 1_800,
      dependsOn: [rolePolicy],
    });
    const pool = new DbProxyDefaultTargetGroup(this, "pool", {
      dbProxyName: proxy.name,
      connectionPoolConfig: { maxConnectionsPercent: 50, connectionBorrowTimeout: 30 },
    });
    new DbProxyTarget(this, "target", { dbProxyName: proxy.name, targetGroupName: pool.name, dbClusterIdentifier: cluster.id });
    this.proxy = proxy;
    return proxy;
  }
}
