import { expect } from "chai";
import { CreateTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Cluster } from "ioredis";
import { readFileSync } from "node:fs";
import { engineOfInfo } from "../domain/command-gateway/command-table.js";
import { nodeMajor } from "../infra/config.js";
import { redisCommand, redisServerBinary, startCluster, startDynamo, startRedis, startReplicationGroup, startS3 } from "../local/launcher/services.js";
import { localDynamo, localS3 } from "../local/aws/aws-clients.js";
import { eventually } from "./harness/eventually.js";

describe("test harness: real local services", function () {
  this.timeout(30_000);

  it("runs what production runs: valkey-server 9 (REDIS_SERVER picks another) and Node.js of the Lambdas' major", async () => {
    const node = await startRedis();
    try {
      const { engine, version } = engineOfInfo(String(await redisCommand(node.url, "INFO", "server")));
      if (!process.env.REDIS_SERVER && redisServerBinary() === "valkey-server") {
        expect(engine).to.equal("valkey");
        expect(version).to.match(/^9\./);
      } else expect(engine).to.equal(/valkey-server$/.test(process.env.REDIS_SERVER ?? "") ? "valkey" : "redis");
    } finally {
      await node.stop();
    }
    expect(Number(process.versions.node.split(".")[0])).to.equal(nodeMajor);
    expect((JSON.parse(readFileSync("package.json", "utf8")) as { devDependencies: Record<string, string> }).devDependencies.node).to.match(
      new RegExp(`^${nodeMajor}\\.`),
    );
  });

  it("redis-server standalone answers a write and a read", async () => {
    const node = await startRedis();
    try {
      expect(await redisCommand(node.url, "SET", "k", "v")).to.equal("OK");
      expect(await redisCommand(node.url, "GET", "k")).to.equal("v");
    } finally {
      await node.stop();
    }
  });

  it("a primary with two replicas replicates a write", async () => {
    const group = await startReplicationGroup({ replicas: 2 });
    try {
      expect(String(await redisCommand(group.primary.url, "INFO", "replication"))).to.contain("connected_slaves:2");
      await redisCommand(group.primary.url, "SET", "k", "replicated");
      for (const replica of group.replicas) {
        expect(
          await eventually(
            "the write on the replica",
            () => redisCommand(replica.url, "GET", "k"),
            (v) => v === "replicated",
            1_000,
            20,
          ),
        ).to.equal("replicated");
        expect(String(await redisCommand(replica.url, "ROLE"))).to.match(/^slave/);
      }
    } finally {
      await group.stop();
    }
  });

  it("a three-primary Redis Cluster stores keys on every shard", async () => {
    const cluster = await startCluster({ primaries: 3 });
    const client = new Cluster(cluster.startupNodes);
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `key:${i}`);
      for (const key of keys) await client.set(key, key.toUpperCase());
      for (const key of keys) expect(await client.get(key)).to.equal(key.toUpperCase());
      const perNode = await Promise.all(cluster.nodes.map((n) => redisCommand(n.url, "DBSIZE")));
      expect(
        perNode.every((count) => Number(count) > 0),
        `keys per node: ${perNode}`,
      ).to.equal(true);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });

  it("dynalite answers a PutItem and a GetItem", async () => {
    const dynamo = await startDynamo();
    const client = localDynamo(dynamo.endpoint);
    try {
      await client.send(
        new CreateTableCommand({
          TableName: "people",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      await client.send(new PutItemCommand({ TableName: "people", Item: { id: { S: "1" }, name: { S: "John" } } }));
      const { Item } = await client.send(new GetItemCommand({ TableName: "people", Key: { id: { S: "1" } } }));
      expect(Item).to.deep.equal({ id: { S: "1" }, name: { S: "John" } });
    } finally {
      client.destroy();
      await dynamo.stop();
    }
  });

  it("s3rver answers a PutObject and a GetObject", async () => {
    const s3 = await startS3();
    const client = localS3(s3.endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: "bucket" }));
      await client.send(new PutObjectCommand({ Bucket: "bucket", Key: "a.json", Body: '{"a":1}' }));
      const object = await client.send(new GetObjectCommand({ Bucket: "bucket", Key: "a.json" }));
      expect(await object.Body?.transformToString()).to.equal('{"a":1}');
    } finally {
      client.destroy();
      await s3.stop();
    }
  });

  it("two harness instances never share a port", async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    try {
      expect(a.port).to.not.equal(b.port);
      await redisCommand(a.url, "SET", "only-in-a", "1");
      expect(await redisCommand(b.url, "EXISTS", "only-in-a")).to.equal(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
