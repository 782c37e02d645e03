// The stated load the per-request lines of the bill are priced at, and what each path does per unit
// of it (its edge, its function's invocations and their duration).
import type { PriceTable } from "./prices.js";

/** The traffic a month the per-request lines are priced at. */
export interface MonthlyLoad {
  restRequests: number;
  graphqlOperations: number;
  /** Changes the listener copies (one DynamoDB write each, through the change-writer in batches of 50). */
  changes: number;
  featureReads: number;
  /** Nightly loads and the users in each. */
  featureLoads: number;
  usersPerLoad: number;
  keeperRuns: number;
  /** Hours of open subscription streams (10 subscribers all month: 7,300); each stream is one invocation for its lifetime. */
  subscriberHours: number;
}

/** A stated load: a million requests a month on each API, ten million changes, a nightly load of 100,000 users, the keeper every 5 minutes, 10 subscribers always connected. */
export const defaultLoad: MonthlyLoad = {
  restRequests: 1_000_000,
  graphqlOperations: 1_000_000,
  changes: 10_000_000,
  featureReads: 1_000_000,
  featureLoads: 30,
  usersPerLoad: 100_000,
  keeperRuns: 8_640,
  subscriberHours: 7_300,
};

export interface PathAtLoad {
  fn: string;
  item: string;
  count: number;
  unit: string;
  /** The edge's price per million of `count` (0 where nothing stands before the function). */
  edgePerMillion: number;
  invocations: number;
  seconds: number;
}

/** A stream's lifetime (STREAM_LIFETIME_SECONDS' default): clients reconnect after it. */
const streamMinutes = 14;

/** Each path at the load: what it counts, the edge's price per million of them, and its function's invocations and seconds each. */
export function pathsAtLoad(load: MonthlyLoad, u: PriceTable["perUnit"]): PathAtLoad[] {
  return [
    {
      fn: "redis-rest",
      item: "REST API (HTTP API + redis-rest, 20 ms)",
      count: load.restRequests,
      unit: "requests",
      edgePerMillion: u.httpApiRequestsPerMillion,
      invocations: load.restRequests,
      seconds: 0.02,
    },
    {
      fn: "command-api",
      item: "GraphQL (AppSync + command-api, 20 ms)",
      count: load.graphqlOperations,
      unit: "operations",
      edgePerMillion: u.appSyncOperationsPerMillion,
      invocations: load.graphqlOperations,
      seconds: 0.02,
    },
    {
      fn: "change-writer",
      item: "change feed (DynamoDB writes + change-writer per 50)",
      count: load.changes,
      unit: "changes",
      edgePerMillion: u.dynamoDbWriteUnitsPerMillion,
      invocations: load.changes / 50,
      seconds: 0.1,
    },
    {
      fn: "feature-reader",
      item: "feature reads (HTTP API + feature-reader, 5 ms)",
      count: load.featureReads,
      unit: "reads",
      edgePerMillion: u.httpApiRequestsPerMillion,
      invocations: load.featureReads,
      seconds: 0.005,
    },
    {
      fn: "feature-loader",
      item: "feature loads (feature-loader, 10 s per 100,000 users)",
      count: load.featureLoads,
      unit: "loads",
      edgePerMillion: 0,
      invocations: load.featureLoads,
      seconds: (load.usersPerLoad / 100_000) * 10,
    },
    {
      fn: "redis-subscribe",
      item: `subscription streams (REST API + redis-subscribe, one ${streamMinutes}-minute invocation each)`,
      count: Math.round((load.subscriberHours * 60) / streamMinutes),
      unit: "streams",
      edgePerMillion: u.restApiRequestsPerMillion,
      invocations: Math.round((load.subscriberHours * 60) / streamMinutes),
      seconds: streamMinutes * 60,
    },
    {
      fn: "replica-dns-keeper",
      item: "replica DNS keeper (200 ms a run)",
      count: load.keeperRuns,
      unit: "runs",
      edgePerMillion: 0,
      invocations: load.keeperRuns,
      seconds: 0.2,
    },
  ];
}
