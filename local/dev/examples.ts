// One ready-to-paste command per data path, printed by `make dev` under its endpoint table (and run by
// the tests, so they keep working).
import type { Endpoints } from "./endpoints.js";

export interface Example {
  path: string;
  command: string;
}

/** DynamoDB's JSON protocol by curl: dynalite checks that a signature is there, not what it is. */
const dynamoCurl = (e: Endpoints, target: string, body: unknown) =>
  `curl -s ${e.dynamodbEndpoint} -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.${target}' ` +
  `-H 'X-Amz-Date: 20260101T000000Z' -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/${e.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=local' ` +
  `-d '${JSON.stringify(body)}'`;

/** The docs' run-time mapping (docs/change-feed.md): its table is made when it loads, as Terraform makes them in AWS. */
export const ordersMapping = { name: "orders", pattern: "order:{orderId}", table: "orders" };

/** `partitionKey`: the key attribute of the default mapping's table. */
export function examples(e: Endpoints, partitionKey: string): Example[] {
  const graphql = JSON.stringify({ query: 'mutation { run(commands: [["SET","greeting","hello"],["GET","greeting"]]) { type value } }' });
  return [
    {
      path: "change feed",
      command: `redis-cli -u ${e.redisUrl} HSET person1 firstName Ada && sleep 1 && ${dynamoCurl(e, "GetItem", { TableName: e.changeTable, Key: { [partitionKey]: { S: "person1" } } })}`,
    },
    {
      path: "run-time mapping",
      command:
        `redis-cli -u ${e.redisUrl} HSET changefeed:mappings orders '${JSON.stringify(ordersMapping)}' && redis-cli -u ${e.redisUrl} HSET order:1 total 3 && sleep 1 && ` +
        dynamoCurl(e, "GetItem", { TableName: "orders", Key: { orderId: { S: "1" } } }),
    },
    {
      path: "SQL rows",
      command:
        `redis-cli -u ${e.redisUrl} HSET person2 firstName Grace lastName Hopper && sleep 1 && ` +
        `psql '${e.postgresUrl}' -c 'SELECT id, first_name, last_name FROM people' && ` +
        `mariadb --no-defaults -h ${new URL(e.mysqlUrl).hostname} -P ${new URL(e.mysqlUrl).port} -u root ecp -e 'SELECT id, first_name, last_name FROM people'`,
    },
    { path: "reconcile", command: "make reconcile MAPPING=people" },
    { path: "command API", command: `curl -s ${e.graphqlUrl} -H 'x-api-key: ${e.apiKey}' -H 'content-type: application/json' -d '${graphql}'` },
    { path: "REST (Upstash)", command: `curl -s ${e.restUrl}/get/greeting -H 'Authorization: Bearer ${e.restToken}'` },
    { path: "key prefix", command: `curl -s ${e.restUrl}/set/${e.tenantKeyPrefix}greeting/hi -H 'Authorization: Bearer ${e.tenantRestToken}'` },
    { path: "console", command: `open ${e.consoleUrl} in a browser` },
    { path: "feature store", command: `curl -s '${e.featureUrl}/recommendations?userId=1&rank=1'` },
    { path: "replica DNS", command: `make failover && cat ${e.zoneFile}` },
  ];
}
