// The keys of `.dev/endpoints.json`: a contract with tools and tests outside the repo. Add keys, never rename them.
export interface Endpoints {
  /** Primary of the local replication group. */
  redisUrl: string;
  /** Replicas of the local replication group, each on its own loopback address. */
  replicaUrls: string[];
  dynamodbEndpoint: string;
  s3Endpoint: string;
  region: string;
  [key: string]: unknown;
}

export const endpointsFile = ".dev/endpoints.json";
