// The prices `make cost` multiplies by: on-demand, us-east-1, in USD, as AWS's public price pages list
// them. Refresh: compare each line with the service's pricing page or the Price List API
// (`aws pricing get-products --service-code AmazonElastiCache --filters ...`), change the number, and
// move `asOf`. Free tiers are left out: the bill of an account that has spent them.

export const priceTable = {
  region: "us-east-1",
  asOf: "2026-12-06",
  /** Hours in a month, as AWS's calculator counts them. */
  hoursPerMonth: 730,
  hourly: {
    /** ElastiCache node-hours: Valkey is listed 20% below Redis OSS for the same node. */
    cacheNode: {
      valkey: { "cache.t4g.micro": 0.0128, "cache.t4g.small": 0.0256, "cache.t4g.medium": 0.052, "cache.m7g.large": 0.1264, "cache.r7g.large": 0.1752 },
      redis: { "cache.t4g.micro": 0.016, "cache.t4g.small": 0.032, "cache.t4g.medium": 0.065, "cache.m7g.large": 0.158, "cache.r7g.large": 0.219 },
    } as Record<string, Record<string, number>>,
    ec2Instance: { "t4g.micro": 0.0084, "t4g.small": 0.0168, "t4g.medium": 0.0336 } as Record<string, number>,
    /** An interface VPC endpoint, per AZ it has a network interface in. */
    interfaceEndpointPerAz: 0.01,
    /** Aurora Serverless v2 (Aurora Standard), per ACU-hour: the idle bill is the cluster's minimum capacity. */
    auroraServerlessAcu: 0.12,
    /** RDS Proxy in front of Aurora Serverless v2, per ACU-hour of its cluster, billed for at least 8 ACUs. */
    rdsProxyAcu: 0.015,
    rdsProxyMinimumAcus: 8,
  },
  monthly: {
    kmsKey: 1.0,
    secret: 0.4,
    /** A standard-resolution alarm, per metric it reads (a metric-math alarm pays for each). */
    alarmMetric: 0.1,
    dashboard: 3.0,
    hostedZone: 0.5,
    ebsGp3PerGb: 0.08,
    auroraStoragePerGb: 0.1,
  },
  perUnit: {
    logIngestionPerGb: 0.5,
    interfaceEndpointPerGb: 0.01,
    lambdaRequestsPerMillion: 0.2,
    /** arm64 (every function here is arm64). */
    lambdaPerGbSecond: 0.0000133334,
    httpApiRequestsPerMillion: 1.0,
    restApiRequestsPerMillion: 3.5,
    appSyncOperationsPerMillion: 4.0,
    dynamoDbWriteUnitsPerMillion: 0.625,
    dynamoDbReadUnitsPerMillion: 0.125,
  },
};

export type PriceTable = typeof priceTable;
