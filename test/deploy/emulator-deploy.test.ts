// The deploy lane (`make test-deploy`): the synthesized stack applied by the real Terraform and the
// mirrored provider against moto 5 behind the harness's front, destroyed, applied again and destroyed
// again. What an offline plan cannot see (how the AWS APIs take the plan) is checked here.
import { expect } from "chai";
import { bootInputsBeforeGroup, stateResources, unprotectedObjects } from "../harness/emulator/checks.js";
import { emulatorFor } from "../harness/emulator/lane.js";
import { declaredAddresses, emulatedStack } from "../harness/emulator/stack.js";
import type { Json } from "../harness/synth.js";
import { providerMirror, type Mirror, type OfflineStack } from "../harness/terraform.js";

// The default stack first, then the widest one the settings make: the feature store's cluster-mode group
// and both Aurora destinations. It declares every name the first did, so its apply is the second apply
// of each of those names after a destroy, and the first of cluster mode and the SQL destinations.
const shapes: [string, NodeJS.ProcessEnv][] = [
  ["the defaults (Valkey, cluster mode off, the streaming routes)", {}],
  ["cluster mode on, Aurora PostgreSQL and Aurora MySQL behind RDS Proxy", { ECP_FEATURE_STORE_CLUSTER: "true", ECP_POSTGRES: "aurora", ECP_MYSQL: "aurora" }],
];

const apply = ["apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=30"];
const destroy = ["destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=30"];

/** The attributes a resource's configuration names it by in its API (a prefix where it chose only that). */
const nameAttributes = [
  "name",
  "name_prefix",
  "bucket",
  "function_name",
  "user_id",
  "user_group_id",
  "replication_group_id",
  "cluster_identifier",
  "identifier",
  "key",
];

/**
 * Each resource whose configuration chose its name as a literal, with the name the API holds after the
 * apply (a prefix-named one by its prefix). A name built from an id AWS assigns changes every apply, by design.
 */
function chosenNames(json: Json, resources: { address: string; values: Record<string, unknown> }[]): Map<string, string> {
  return new Map(
    resources.flatMap(({ address, values }) => {
      const [type, name] = address.split(".");
      const configured = (json.resource?.[type]?.[name] ?? {}) as Record<string, unknown>;
      const attribute = nameAttributes.find((a) => typeof configured[a] === "string" && !String(configured[a]).includes("${"));
      return attribute ? [[address, String(values[attribute])] as const] : [];
    }),
  );
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(0);

describe("apply, destroy, apply again and destroy again against the AWS API emulator (moto 5 + the harness's front)", function () {
  this.timeout(900_000);
  const emulator = emulatorFor({ before, after });
  /** Each shape's resources after its apply, by address: the name AWS knows each by. */
  const names: Map<string, string>[] = [];

  for (const [what, environment] of shapes) {
    describe(what, () => {
      let stack: OfflineStack;
      let journalFrom: number;
      before(() => {
        stack = emulatedStack(environment, providerMirror() as Mirror, emulator().endpoint);
        journalFrom = emulator().journal.length;
      });

      it("terraform apply: every declared resource is in the state", async () => {
        const started = Date.now();
        const run = await stack.terraformAsync(...apply);
        console.log(`      apply: ${seconds(started)} s`);
        expect(run.status, run.stderr).to.equal(0);
        const resources = await stateResources(stack);
        expect(resources.map((r) => r.address).sort()).to.deep.equal(declaredAddresses(stack.json));
        names.push(chosenNames(stack.json, resources));
      });

      it("every S3 object has a version id and SSE-KMS with the stack's key", async () => {
        const resources = await stateResources(stack);
        expect(resources.filter((r) => r.type === "aws_s3_object")).to.have.length(3);
        expect(unprotectedObjects(resources)).to.deep.equal([]);
      });

      it("what the listener's first boot reads was created before the instance group", async () => {
        const problems = bootInputsBeforeGroup(stack.json, await stateResources(stack), emulator().journal.slice(journalFrom));
        expect(problems).to.deep.equal([]);
      });

      it("terraform destroy in one run: nothing is left in the state", async () => {
        const started = Date.now();
        const run = await stack.terraformAsync(...destroy);
        console.log(`      destroy: ${seconds(started)} s`);
        expect(run.status, run.stderr).to.equal(0);
        expect(await stateResources(stack)).to.deep.equal([]);
      });
    });
  }

  describe("after both", () => {
    it("the second apply created every name the first one had, after its destroy", () => {
      const [first, second] = names;
      const notReused = [...first]
        .filter(([address, name]) => second.get(address) !== name)
        .map(([address, name]) => `${address}: ${name} then ${second.get(address)}`);
      expect(first.size).to.be.above(80);
      expect(notReused).to.deep.equal([]);
    });
  });
});
