// The emulator refuses what AWS refuses, and the lane's checks catch the defects they exist for:
// a password-less Valkey user stops the apply as in AWS, and an S3 object written before its bucket's
// encryption and versioning is reported.
import {
  CreateCacheParameterGroupCommand,
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteCacheParameterGroupCommand,
  DeleteUserGroupCommand,
  ElastiCacheClient,
  ModifyCacheParameterGroupCommand,
} from "@aws-sdk/client-elasticache";
import { expect } from "chai";
import { Agent } from "node:https";
import { stateResources, unprotectedObjects } from "../harness/emulator/checks.js";
import { emulatorFor } from "../harness/emulator/lane.js";
import { emulatedStack } from "../harness/emulator/stack.js";
import type { Json } from "../harness/synth.js";
import { providerMirror, type Mirror, type Rewrite } from "../harness/terraform.js";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
const resourcesOf = (json: Json) => json.resource as Resources;
const addressOf = (json: Json, type: string, part: string) => `${type}.${Object.keys(resourcesOf(json)[type]).find((name) => name.includes(part))!}`;

const passwordlessDefaultUser: Rewrite = {
  name: "a password-less default user",
  why: "the defect real applies met: the replacement default user with no password, as the stack had it before",
  apply: (json) => {
    const users = resourcesOf(json).aws_elasticache_user;
    const [name, user] = Object.entries(users).find(([, u]) => u.user_name === "default")!;
    const { passwords: _passwords, ...rest } = user;
    void _passwords;
    return { ...json, resource: { ...resourcesOf(json), aws_elasticache_user: { ...users, [name]: { ...rest, no_password_required: true } } } };
  },
};

/** The order a missing edge lets Terraform choose: the objects first, the bucket's encryption and versioning after them. */
const objectsBeforeTheirBucket: Rewrite = {
  name: "objects that no longer wait for their bucket",
  why: "the S3 ordering defect the emulator found before, in the order that exposes it",
  apply: (json) => {
    const all = resourcesOf(json);
    const objects = Object.fromEntries(Object.entries(all.aws_s3_object).map(([name, { depends_on: _gone, ...rest }]) => [name, rest]));
    const objectAddresses = Object.keys(objects).map((name) => `aws_s3_object.${name}`);
    const after = (type: string) =>
      Object.fromEntries(Object.entries(all[type]).map(([name, r]) => [name, name.includes("listener") ? { ...r, depends_on: objectAddresses } : r]));
    return {
      ...json,
      resource: {
        ...all,
        aws_s3_object: objects,
        aws_s3_bucket_versioning: after("aws_s3_bucket_versioning"),
        aws_s3_bucket_server_side_encryption_configuration: after("aws_s3_bucket_server_side_encryption_configuration"),
      },
    };
  },
};

describe("the emulator refuses what AWS refuses, and the lane's checks catch what they are for", function () {
  this.timeout(300_000);
  const emulator = emulatorFor({ before, after });

  it("a password-less Valkey user stops terraform apply with AWS's error", async () => {
    const stack = emulatedStack({}, providerMirror() as Mirror, emulator().endpoint, [passwordlessDefaultUser]);
    const user = addressOf(stack.json, "aws_elasticache_user", "default");
    const run = await stack.terraformAsync("apply", "-auto-approve", "-input=false", "-no-color", `-target=${user}`);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include("InvalidParameterCombination").and.include("No-password-required is not allowed for a user with engine Valkey");
  });

  it("an S3 object written before its bucket's versioning and encryption is reported: no version id, not the stack's key", async () => {
    const stack = emulatedStack({}, providerMirror() as Mirror, emulator().endpoint, [objectsBeforeTheirBucket]);
    const targets = ["aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration"].map(
      (type) => `-target=${addressOf(stack.json, type, "listener")}`,
    );
    const run = await stack.terraformAsync("apply", "-auto-approve", "-input=false", "-no-color", ...targets);
    expect(run.status, run.stderr).to.equal(0);
    const problems = unprotectedObjects(await stateResources(stack));
    expect(problems).to.have.length(3);
    for (const problem of problems)
      expect(problem)
        .to.match(/no version id/)
        .and.match(/not the stack's key/);
  });

  describe("ElastiCache as the API reference has it", () => {
    let client: ElastiCacheClient;
    before(() => {
      client = new ElastiCacheClient({
        endpoint: emulator().endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "emulator", secretAccessKey: "emulator" },
        requestHandler: { httpsAgent: new Agent({ rejectUnauthorized: false }) },
      });
    });
    after(() => client?.destroy());

    const refusal = async (promise: Promise<unknown>) => {
      const error = (await promise.then(
        () => undefined,
        (e: Error) => e,
      )) as Error | undefined;
      return error?.name;
    };

    it("a user group needs its users to exist, and a user named default", async () => {
      expect(await refusal(client.send(new CreateUserGroupCommand({ UserGroupId: "g", Engine: "valkey", UserIds: ["nobody"] })))).to.equal("UserNotFoundFault");
      await client.send(
        new CreateUserCommand({ UserId: "app", UserName: "app", Engine: "valkey", AccessString: "on ~* +@all", Passwords: ["a-password-of-16-chars"] }),
      );
      expect(await refusal(client.send(new CreateUserGroupCommand({ UserGroupId: "g", Engine: "valkey", UserIds: ["app"] })))).to.equal("DefaultUserRequired");
    });

    it("a user group or parameter group a replication group uses cannot be deleted; a missing one cannot be named", async () => {
      await client.send(
        new CreateUserCommand({ UserId: "off", UserName: "default", Engine: "valkey", AccessString: "off -@all", Passwords: ["nobody-holds-this-password"] }),
      );
      await client.send(new CreateUserGroupCommand({ UserGroupId: "users", Engine: "valkey", UserIds: ["off", "app"] }));
      await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "params", CacheParameterGroupFamily: "valkey9", Description: "test" }));
      await client.send(
        new ModifyCacheParameterGroupCommand({
          CacheParameterGroupName: "params",
          ParameterNameValues: [{ ParameterName: "notify-keyspace-events", ParameterValue: "Eg" }],
        }),
      );
      const subnetIds = await emulator().subnets(2);
      await client.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: "subnets", CacheSubnetGroupDescription: "test", SubnetIds: subnetIds }));
      const group = { ReplicationGroupId: "rg", ReplicationGroupDescription: "test", Engine: "valkey", EngineVersion: "9.1", CacheNodeType: "cache.t4g.small" };
      const placed = { ...group, CacheParameterGroupName: "params", CacheSubnetGroupName: "subnets", NumCacheClusters: 2, TransitEncryptionEnabled: true };
      expect(await refusal(client.send(new CreateReplicationGroupCommand({ ...placed, UserGroupIds: ["missing"] })))).to.equal("UserGroupNotFoundFault");
      expect(
        await refusal(client.send(new CreateReplicationGroupCommand({ ...placed, CacheParameterGroupName: "missing", UserGroupIds: ["users"] }))),
      ).to.equal("CacheParameterGroupNotFoundFault");
      expect(
        await refusal(client.send(new CreateReplicationGroupCommand({ ...placed, NumNodeGroups: 3, NumCacheClusters: undefined, UserGroupIds: ["users"] }))),
      ).to.equal("InvalidParameterCombinationException");
      await client.send(new CreateReplicationGroupCommand({ ...placed, UserGroupIds: ["users"] }));
      expect(await refusal(client.send(new DeleteUserGroupCommand({ UserGroupId: "users" })))).to.equal("InvalidUserGroupStateFault");
      expect(await refusal(client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: "params" })))).to.equal(
        "InvalidCacheParameterGroupStateFault",
      );
    });
  });
});
