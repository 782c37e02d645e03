// Replica DNS keeper: planner time, and Route 53 calls per event against the original's one call per replica.
import { ReplicaDnsKeeper, type RecordZone } from "../domain/replica-dns/keeper.js";
import { parseInvocation } from "../domain/replica-dns/events.js";
import { applyChanges, planRecordChanges, type CacheNode, type RecordChange, type RecordSet } from "../domain/replica-dns/planner.js";
import { memoryLogger } from "../domain/runtime/log.js";
import { printTable } from "./table.js";

const naming = { zone: "cache.internal.", template: "replica.cache.internal.", ttl: 10 };
let nodes: CacheNode[] = Array.from({ length: 6 }, (_, i) => ({
  id: `g-00${i + 1}`,
  target: `g-00${i + 1}.cache.amazonaws.com`,
  role: i === 0 ? "primary" : "replica",
}));

// 1. Planner time for 1 primary + 5 replicas, after a failover (the planner's busiest case).
const zone: RecordSet[] = nodes.slice(1).map((n, i) => ({ name: `replica${i + 1}.cache.internal.`, value: n.target, ttl: 10 }));
const failedOver = nodes.map((n, i) => ({ ...n, role: i === 3 ? "primary" : "replica" }) as CacheNode);
const iterations = 100_000;
for (let i = 0; i < 10_000; i++) planRecordChanges(failedOver, zone, naming);
let start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) planRecordChanges(failedOver, zone, naming);
const planMicros = Number(process.hrtime.bigint() - start) / 1e3 / iterations;
// The original's planning: number the replicas in the order the API lists them and UPSERT them all.
const originalPlan = (group: CacheNode[]) =>
  group
    .filter((n) => n.role === "replica")
    .map((n, i) => ({ action: "UPSERT", record: { name: `replica${i + 1}.cache.internal.`, value: n.target, ttl: 10 } }));
start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) originalPlan(failedOver);
const originalPlanMicros = Number(process.hrtime.bigint() - start) / 1e3 / iterations;

// 2. 500 events in a row: failovers, node replacements and duplicates, through the keeper with a counting zone.
let records: RecordSet[] = [];
let calls = 0;
const countingZone: RecordZone = {
  name: async () => "cache.internal.",
  records: async () => records,
  apply: async (changes: RecordChange[]) => {
    calls++;
    records = applyChanges(records, changes);
  },
};
const keeper = new ReplicaDnsKeeper({ nodes: async () => nodes }, countingZone, { groupId: "g", naming }, memoryLogger());
let random = 42;
const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const events = 500;
let changingEvents = 0;
start = process.hrtime.bigint();
for (let i = 0; i < events; i++) {
  const roll = next();
  if (roll < 0.4) {
    // Failover to a random replica.
    const target = 1 + Math.floor(next() * 5);
    const replicas = nodes.filter((n) => n.role === "replica");
    nodes = nodes.map((n) => ({ ...n, role: n === replicas[target - 1] ? "primary" : "replica" }));
  } else if (roll < 0.5) {
    // Node replaced: a replica comes back under a new address.
    const victim = nodes.find((n) => n.role === "replica")!;
    nodes = nodes.map((n) => (n === victim ? { ...n, target: `${n.id}-${i}.cache.amazonaws.com` } : n));
  } // else: a duplicate or late event, nothing changed.
  const before = calls;
  await keeper.handle(parseInvocation({ Records: [{ Sns: { Message: JSON.stringify({ "ElastiCache:FailoverComplete": "g-001" }) } }] }, "g"));
  if (calls > before) changingEvents++;
}
const keeperMicros = Number(process.hrtime.bigint() - start) / 1e3 / events;
const replicas = 5;

printTable("Replica DNS keeper (1 primary + 5 replicas)", "original design", [
  { measure: "planner time per plan (failover)", ours: planMicros, baseline: originalPlanMicros, unit: "µs", higherIsBetter: false },
  { measure: `keeper time per event (${events} events)`, ours: keeperMicros, baseline: Number.NaN, unit: "µs", higherIsBetter: false },
  { measure: `Route 53 calls for ${events} events`, ours: calls, baseline: events * replicas, unit: "calls", higherIsBetter: false },
  { measure: "Route 53 calls per changing event", ours: calls / Math.max(1, changingEvents), baseline: replicas, unit: "calls", higherIsBetter: false },
  { measure: "Route 53 calls per no-op event", ours: 0, baseline: replicas, unit: "calls", higherIsBetter: false },
]);
console.log(`\n${changingEvents} of ${events} events changed the topology; the original makes one UPSERT call per replica per event.`);
