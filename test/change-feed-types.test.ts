import { expect } from "chai";
import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Redis } from "ioredis";
import { memoryLogger } from "../domain/runtime/log.js";
import { ChangeFeedListener, defaultListenerConfig } from "../domain/change-feed/capture/listener.js";
import { connectionsLike } from "../domain/change-feed/capture/connections.js";
import { parseMapping } from "../domain/change-feed/mappings.js";
import { reconcile } from "../domain/change-feed/reconcile.js";
import { RoutingSink } from "../domain/change-feed/sinks.js";
import { createTable, localDynamo } from "../local/aws/aws-clients.js";
import { redisCommand, startDynamo, startRedis, type HttpService, type RedisNode } from "../local/launcher/services.js";
import { differences, notifications } from "./harness/change-feed.js";
import { eventually } from "./harness/eventually.js";
import { redisValue, standsFor } from "./harness/typed-values.js";

/** An item's raw attributes (undefined when absent or a tombstone), consistently read. */
async function rawItem(dynamo: DynamoDBClient, table: string, id: string): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await dynamo.send(new GetItemCommand({ TableName: table, Key: { id: { S: id } }, ConsistentRead: true }));
  return Item && !Item._deleted?.BOOL ? Item : undefined;
}

describe("change feed: every data type through the listener into dynalite, on the engine the deployment runs", function () {
  this.timeout(90_000);
  let node: RedisNode;
  let dynamoService: HttpService;
  let dynamo: DynamoDBClient;
  let redis: Redis;
  let listener: ChangeFeedListener;
  let client: Redis;
  const things = parseMapping({ name: "things", pattern: "thing:{id}", table: "things" });
  const counts = parseMapping({ name: "counts", pattern: "count:{id}", table: "counts", numbers: true });
  const hashesOnly = parseMapping({ name: "profiles", pattern: "profile:{id}", table: "profiles", types: ["hash"] });
  const item = (table: string, id: string) => rawItem(dynamo, table, id);
  const itemWhen = (table: string, id: string, accept: (i: Record<string, AttributeValue> | undefined) => boolean) =>
    eventually(`${table} ${id}`, () => item(table, id), accept);
  const deadLetters = async () => (await redis.xrange("changefeed:dead-letter", "-", "+")).map(([, f]) => f[f.indexOf("reason") + 1]);

  before(async () => {
    [node, dynamoService] = await Promise.all([startRedis({ config: notifications }), startDynamo()]);
    dynamo = localDynamo(dynamoService.endpoint);
    for (const table of ["things", "counts", "profiles"]) await createTable(dynamo, table, "id");
    redis = new Redis(node.url);
    client = new Redis(node.url, { enableAutoPipelining: true, maxRetriesPerRequest: null });
    listener = new ChangeFeedListener(
      client,
      connectionsLike(client),
      new RoutingSink(dynamo),
      { dynamo },
      { ...defaultListenerConfig, consumer: "types", rescanDeletes: false, maxCollectionElements: 1_000 },
      memoryLogger(),
    );
    await listener.start([things, counts, hashesOnly]);
  });
  after(async () => {
    await listener.stop();
    client.disconnect();
    redis.disconnect();
    dynamo.destroy();
    await Promise.all([node.stop(), dynamoService.stop()]);
  });

  /** Waits until the item stands for what Redis holds now (Redis value -> item -> the same value). */
  const roundTrip = async (type: string, id: string) => {
    const held = await redisValue(redis, type, `thing:${id}`);
    const arrived = await itemWhen("things", id, (i) => i !== undefined && standsFor(type, i, held));
    return arrived!;
  };

  it("a string, binary-safe; a decimal stays text unless the mapping says numbers", async () => {
    await redis.set("thing:s", Buffer.from([0xe2, 0x82, 0xac, 0xff, 0x00]));
    expect((await roundTrip("string", "s")).value.B).to.not.equal(undefined);
    await redis.set("thing:s", "plain text");
    expect((await roundTrip("string", "s")).value).to.deep.equal({ S: "plain text" });
    await redis.set("thing:n", "007");
    expect((await roundTrip("string", "n")).value).to.deep.equal({ S: "007" });
    for (const step of [() => redis.set("count:a", "41"), () => redis.incrby("count:a", 1), () => redis.append("count:a", "0")]) await step();
    expect((await itemWhen("counts", "a", (i) => i?.value.N === "420"))!.value).to.deep.equal({ N: "420" });
    await redis.setrange("count:a", 0, "x");
    expect((await itemWhen("counts", "a", (i) => i?.value.S !== undefined))!.value).to.deep.equal({ S: "x20" });
  });

  it("a list in order, binary elements kept; LPUSH, RPOP, LSET, LTRIM and LMOVE follow", async () => {
    await redis.rpush("thing:l", "a", "b", Buffer.from([0xff]), "c");
    await roundTrip("list", "l");
    await redis.lpush("thing:l", "first");
    await redis.rpop("thing:l");
    await redis.lset("thing:l", 1, "A");
    await redis.ltrim("thing:l", 0, 2);
    await redis.lmove("thing:l", "thing:l2", "LEFT", "RIGHT");
    expect((await roundTrip("list", "l")).value.L).to.have.length(2);
    expect((await roundTrip("list", "l2")).value).to.deep.equal({ L: [{ S: "first" }] });
  });

  it("a set as a string set, or a binary set when any member is not UTF-8; SREM, SPOP, SMOVE and SINTERSTORE follow", async () => {
    await redis.sadd("thing:set", "x", "y", "z");
    expect((await roundTrip("set", "set")).value.SS).to.have.members(["x", "y", "z"]);
    await redis.sadd("thing:set", Buffer.from([0xfe, 0x01]));
    expect((await roundTrip("set", "set")).value.BS).to.have.length(4);
    await redis.srem("thing:set", Buffer.from([0xfe, 0x01]));
    await redis.smove("thing:set", "thing:set2", "x");
    await redis.sinterstore("thing:inter", "thing:set", "thing:set");
    expect((await roundTrip("set", "set")).value.SS).to.have.members(["y", "z"]);
    expect((await roundTrip("set", "inter")).value.SS).to.have.members(["y", "z"]);
    expect((await roundTrip("set", "set2")).value.SS).to.deep.equal(["x"]);
    await redis.spop("thing:set2");
    // The last member gone, the key is gone: its item becomes a tombstone (a DynamoDB set is never empty).
    await itemWhen("things", "set2", (i) => i === undefined);
  });

  it("a sorted set as members with scores in score order, equal scores never colliding, infinities kept; ZINCRBY, ZREM, ZREMRANGEBYSCORE and ZUNIONSTORE follow", async () => {
    await redis.zadd("thing:z", 1, "a", 1, "b", 2, Buffer.from([0xff]), "+inf", "top");
    const first = await roundTrip("zset", "z");
    expect(first.value.L!.map((e) => e.M!.score)).to.deep.equal([{ N: "1" }, { N: "1" }, { N: "2" }, { S: "inf" }]);
    await redis.zincrby("thing:z", 5, "a");
    await redis.zrem("thing:z", Buffer.from([0xff]));
    await redis.zremrangebyscore("thing:z", "(5", "(7");
    await redis.zunionstore("thing:zu", 2, "thing:z", "thing:z");
    expect((await roundTrip("zset", "z")).value.L!.map((e) => e.M!.member.S)).to.deep.equal(["b", "top"]);
    expect((await roundTrip("zset", "zu")).value.L!.map((e) => [e.M!.member.S, e.M!.score.N ?? e.M!.score.S])).to.deep.equal([
      ["b", "2"],
      ["top", "inf"],
    ]);
  });

  it("a type change rewrites the item in the new shape; a mapping narrowed to hashes tombstones and notes another type", async () => {
    await redis.rpush("thing:changing", "a", "b");
    await roundTrip("list", "changing");
    await redis.set("thing:changing", "now a string");
    expect((await roundTrip("string", "changing")).value).to.deep.equal({ S: "now a string" });
    await redis.hset("profile:1", "name", "Ada");
    await itemWhen("profiles", "1", (i) => i?.name?.S === "Ada");
    await redis.del("profile:1");
    await redis.rpush("profile:1", "a list now");
    await itemWhen("profiles", "1", (i) => i === undefined);
    await eventually("the note", deadLetters, (r) => r.includes("key profile:1 is a list, not one of mapping profiles's types (hash)"));
    // A stream is never copied: the key's item is a tombstone, and the note says why.
    await redis.hset("thing:log", "a", "1");
    await itemWhen("things", "log", (i) => i !== undefined);
    await redis.xadd("a-stream", "*", "event", "1");
    await redis.rename("a-stream", "thing:log");
    await itemWhen("things", "log", (i) => i === undefined);
    await eventually("the stream's note", deadLetters, (r) => r.some((reason) => /key thing:log is a stream: a stream is a log of events/.test(reason)));
  });

  it("too large is dead-lettered with its size, never truncated: a list past the element setting, a string past the item limit", async () => {
    await redis.rpush("thing:big", ...Array.from({ length: 1_001 }, (_, i) => `e${i}`));
    await redis.set("thing:huge", "h".repeat(500 * 1024));
    await eventually("the notes", deadLetters, (r) =>
      [
        "key thing:big is a list of 1001 elements, over the limit of 1000 elements",
        "key thing:huge is a string of 512000 bytes, over the limit of 409600 bytes",
      ].every((reason) => r.some((x) => x.startsWith(reason))),
    );
    expect(await item("things", "big")).to.equal(undefined);
    expect(await item("things", "huge")).to.equal(undefined);
  });

  it("hash fields that expire (Valkey 9) leave the item when the engine removes them; HGETDEL and HSETEX reach it too", async () => {
    await redis.hset("thing:h", "keep", "1", "brief", "2", "taken", "3");
    await itemWhen("things", "h", (i) => i?.brief?.S === "2");
    await redisCommand(node.url, "HPEXPIRE", "thing:h", "50", "FIELDS", "1", "brief");
    await itemWhen("things", "h", (i) => i !== undefined && i.brief === undefined);
    await redisCommand(node.url, "HGETDEL", "thing:h", "FIELDS", "1", "taken");
    await redisCommand(node.url, "HSETEX", "thing:h", "PX", "60000", "FIELDS", "1", "added", "4");
    const final = await itemWhen("things", "h", (i) => i?.added?.S === "4" && i.taken === undefined);
    expect(Object.keys(final!).sort()).to.deep.equal(["_v", "added", "id", "keep"]);
  });

  it("reconcile agrees on every type, and repairs a stale one in its own shape", async () => {
    const limits = { maxElements: 1_000 };
    const report = await eventually(
      "clean reconcile",
      () => reconcile(redis, dynamo, things, limits),
      (r) => differences(r) === 0,
    );
    expect(report.redisKeys).to.be.above(8);
    expect(report.refused.map((r) => r.split(" is ")[0])).to.deep.equal(["key thing:big", "key thing:huge"]);
    // An item that no longer stands for its list (a write lost elsewhere): stale, then repaired as a list.
    await dynamo.send(new PutItemCommand({ TableName: "things", Item: { id: { S: "l" }, _v: { N: "1" }, value: { L: [{ S: "wrong" }] } } }));
    expect((await reconcile(redis, dynamo, things, limits)).stale).to.deep.equal(["thing:l"]);
    const repaired = await reconcile(redis, dynamo, things, { ...limits, repair: { sink: new RoutingSink(dynamo), version: async () => Date.now() * 1_000 } });
    expect(repaired.repaired).to.equal(1);
    await roundTrip("list", "l");
  });
});
