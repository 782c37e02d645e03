// The pure heart of the keeper: from the group's topology and the zone's records, the smallest change.
import { AmbiguousTopology, NamingError, TopologyUnsettled } from "./errors.js";
export type Role = "primary" | "replica";

export interface CacheNode {
  /** Stable node identity (`CacheClusterId` in AWS, the node URL locally). */
  id: string;
  /** What a record should point at: an ElastiCache node endpoint, or a local node URL. */
  target: string;
  role: Role;
}

export interface RecordSet {
  /** Absolute, lower-case, with the trailing dot: `replica1.cache.internal.` */
  name: string;
  value: string;
  ttl: number;
  /** Weighted records only (the optional reader record over all replicas). */
  setIdentifier?: string;
  weight?: number;
}

export interface RecordChange {
  action: "UPSERT" | "DELETE";
  record: RecordSet;
}

export interface RecordNaming {
  /** The zone's name, absolute: `cache.internal.` */
  zone: string;
  /** The CNAME template whose first label gets a number: `replica.cache.internal.` -> `replica1.cache.internal.` */
  template: string;
  ttl: number;
  /** Weighted CNAMEs over every replica under this name, when set. */
  readerName?: string;
  /** A CNAME to the primary under this name, when set. */
  primaryName?: string;
}

export { NamingError };

const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export const absolute = (name: string) => (name.endsWith(".") ? name : `${name}.`).toLowerCase();

/** Refuses, before anything is changed, a name that is not a valid host name inside the zone. */
export function validateNaming(naming: RecordNaming): RecordNaming {
  const zone = absolute(naming.zone);
  const check = (what: string, raw: string) => {
    const name = absolute(raw);
    const labels = name.slice(0, -1).split(".");
    if (name.length > 254 || !labels.every((l) => label.test(l))) {
      throw new NamingError(`${what} "${raw}" is not a valid DNS name (labels of 1-63 letters, digits or hyphens)`);
    }
    if (!name.endsWith(`.${zone}`)) throw new NamingError(`${what} "${raw}" is not inside the zone "${zone}"`);
    return name;
  };
  if (!Number.isInteger(naming.ttl) || naming.ttl < 0 || naming.ttl > 2_147_483_647) {
    throw new NamingError(`ttl ${naming.ttl} is not a whole number of seconds`);
  }
  const template = check("CNAME template", naming.template);
  if (/\d$/.test(template.split(".")[0])) {
    throw new NamingError(`CNAME template "${naming.template}" must not end its first label with a digit (the replica number goes there)`);
  }
  if (template.split(".")[0].length > 60) throw new NamingError(`CNAME template "${naming.template}" leaves no room for the replica number`);
  return {
    zone,
    template,
    ttl: naming.ttl,
    readerName: naming.readerName === undefined ? undefined : check("reader name", naming.readerName),
    primaryName: naming.primaryName === undefined ? undefined : check("primary name", naming.primaryName),
  };
}

const numberedNames = new Map<string, ReturnType<typeof buildNumberedName>>();
// Built once per template: the planner runs on every event and checks every record of the zone.
function numberedName(naming: RecordNaming) {
  let built = numberedNames.get(naming.template);
  if (!built) numberedNames.set(naming.template, (built = buildNumberedName(naming.template)));
  return built;
}

function buildNumberedName(template: string) {
  const [prefix, ...rest] = template.split(".");
  const suffix = rest.join(".");
  const pattern = new RegExp(`^${prefix.replace(/-/g, "\\-")}([1-9][0-9]*)\\.${suffix.replace(/\./g, "\\.")}$`);
  return {
    name: (n: number) => `${prefix}${n}.${suffix}`,
    numberOf: (name: string) => {
      const match = pattern.exec(name);
      return match ? Number(match[1]) : undefined;
    },
  };
}

const keyOf = (r: RecordSet) => `${r.name}|${r.setIdentifier ?? ""}`;
const sameRecord = (a: RecordSet, b: RecordSet) => a.value === b.value && a.ttl === b.ttl && a.weight === b.weight;

/** Which number each replica gets: kept where a record already points at it, else the lowest free one. */
export function assignReplicaNumbers(replicas: CacheNode[], current: RecordSet[], naming: RecordNaming): Map<string, number> {
  const { numberOf } = numberedName(naming);
  const byTarget = new Map(replicas.map((r) => [r.target, r]));
  const assigned = new Map<string, number>();
  const taken = new Set<number>();
  const numbered = current
    .map((record) => ({ record, n: numberOf(record.name) }))
    .filter((x): x is { record: RecordSet; n: number } => x.n !== undefined)
    .sort((a, b) => a.n - b.n);
  for (const { record, n } of numbered) {
    const replica = byTarget.get(record.value);
    if (replica && !assigned.has(replica.id) && !taken.has(n)) {
      assigned.set(replica.id, n);
      taken.add(n);
    }
  }
  let next = 1;
  for (const replica of [...replicas].sort((a, b) => a.id.localeCompare(b.id))) {
    if (assigned.has(replica.id)) continue;
    while (taken.has(next)) next++;
    assigned.set(replica.id, next);
    taken.add(next);
  }
  return assigned;
}

/** The records the zone should hold for this topology. */
export function desiredRecords(nodes: CacheNode[], current: RecordSet[], naming: RecordNaming): RecordSet[] {
  const replicas = nodes.filter((n) => n.role === "replica");
  const numbers = assignReplicaNumbers(replicas, current, naming);
  const { name } = numberedName(naming);
  const records: RecordSet[] = replicas.map((r) => ({ name: name(numbers.get(r.id)!), value: r.target, ttl: naming.ttl }));
  if (naming.readerName) {
    // Never the primary: with no replica, the reader name has no record at all.
    for (const r of replicas) records.push({ name: naming.readerName, value: r.target, ttl: naming.ttl, setIdentifier: r.id, weight: 1 });
  }
  const primary = nodes.find((n) => n.role === "primary");
  if (naming.primaryName && primary) records.push({ name: naming.primaryName, value: primary.target, ttl: naming.ttl });
  return records.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

/** True for the records this keeper owns; every other record in the zone is left alone. */
export function isManaged(record: RecordSet, naming: RecordNaming): boolean {
  return numberedName(naming).numberOf(record.name) !== undefined || record.name === naming.readerName || record.name === naming.primaryName;
}

/**
 * The change batch that makes the zone match the topology: UPSERT what is new or different, DELETE
 * managed records that no node needs. Empty when the zone is already right.
 */
export function planRecordChanges(nodes: CacheNode[], zoneRecords: RecordSet[], namingInput: RecordNaming): RecordChange[] {
  const naming = validateNaming(namingInput);
  const primaries = nodes.filter((n) => n.role === "primary");
  // Fail safe: a group with no node or no primary is between states (or the read saw nothing); acting on it
  // would remove every record. The next event or scheduled run sees the settled group.
  if (nodes.length === 0) throw new TopologyUnsettled("the group reports no nodes: changing nothing");
  if (primaries.length === 0) throw new TopologyUnsettled(`the group reports no primary (${nodes.map((n) => n.id).join(", ")}): changing nothing`);
  if (primaries.length > 1) {
    throw new AmbiguousTopology(
      `the group reports ${primaries.length} primaries (${primaries.map((p) => p.id).join(", ")}); refusing to guess during a failover`,
    );
  }
  const current = zoneRecords.filter((r) => isManaged(r, naming));
  const desired = desiredRecords(nodes, current, naming);
  const currentByKey = new Map(current.map((r) => [keyOf(r), r]));
  const desiredKeys = new Set(desired.map(keyOf));
  const changes: RecordChange[] = [];
  for (const record of current) {
    if (!desiredKeys.has(keyOf(record))) changes.push({ action: "DELETE", record });
  }
  for (const record of desired) {
    const existing = currentByKey.get(keyOf(record));
    if (!existing || !sameRecord(existing, record)) changes.push({ action: "UPSERT", record });
  }
  return changes;
}

/** The zone after a change batch, as Route 53 applies it (for simulations, tests and benchmarks). */
export function applyChanges(zone: RecordSet[], changes: RecordChange[]): RecordSet[] {
  const next = new Map(zone.map((r) => [keyOf(r), r]));
  for (const { action, record } of changes) {
    if (action === "DELETE") next.delete(keyOf(record));
    else next.set(keyOf(record), record);
  }
  return [...next.values()];
}
