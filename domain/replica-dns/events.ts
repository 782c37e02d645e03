// What invoked the keeper: SNS-wrapped ElastiCache events, the EventBridge schedule, or a person.
export const topologyEventTypes = new Set([
  "ElastiCache:CacheNodeReplaceComplete",
  "ElastiCache:TestFailoverApiCalled",
  "ElastiCache:FailoverComplete",
  "ElastiCache:CacheClusterProvisioningComplete",
  "ElastiCache:AddCacheNodeComplete",
  "ElastiCache:RemoveCacheNodeComplete",
  "ElastiCache:DeleteCacheClusterComplete",
  "ElastiCache:CreateReplicationGroupComplete",
  "ElastiCache:CacheNodesRebooted",
  "ElastiCache:ReplicationGroupIncreaseReplicaCountFinished",
  "ElastiCache:ReplicationGroupDecreaseReplicaCountFinished",
  "ElastiCache:ReplicationGroupScalingComplete",
]);

export interface CacheEvent {
  type: string;
  /** The group or node id the event names, e.g. `testdns-002`. */
  source: string;
}

export interface Invocation {
  trigger: "sns" | "schedule" | "manual";
  /** Events that concern this group's topology. */
  relevant: CacheEvent[];
  /** Everything else, with the reason, for one log line each. */
  ignored: (CacheEvent & { reason: string })[];
}

/** The schedule's invocation, as `parseInvocation` reads an EventBridge scheduled event. */
export const scheduledInvocation: Invocation = { trigger: "schedule", relevant: [], ignored: [] };

interface SnsRecord {
  EventSource?: string;
  Sns?: { Message?: string };
}

/** A node of group `testdns` is `testdns-001` (or `testdns-0001-001` in cluster mode). */
export const belongsToGroup = (source: string, groupId: string) => source === groupId || source.startsWith(`${groupId}-`);

export function parseInvocation(event: unknown, groupId: string): Invocation {
  const records = (event as { Records?: SnsRecord[] } | null)?.Records;
  if (!Array.isArray(records)) {
    const scheduled = (event as { source?: string } | null)?.source === "aws.events";
    return { trigger: scheduled ? "schedule" : "manual", relevant: [], ignored: [] };
  }
  const invocation: Invocation = { trigger: "sns", relevant: [], ignored: [] };
  for (const record of records) {
    let message: unknown;
    try {
      message = JSON.parse(record.Sns?.Message ?? "");
    } catch {
      invocation.ignored.push({ type: "(unparsable)", source: String(record.Sns?.Message ?? "").slice(0, 200), reason: "message is not JSON" });
      continue;
    }
    if (!message || typeof message !== "object" || Array.isArray(message)) {
      invocation.ignored.push({ type: "(unknown)", source: JSON.stringify(message).slice(0, 200), reason: "message is not a JSON object" });
      continue;
    }
    // One message may carry several `"ElastiCache:<Event>": "<id>"` pairs.
    for (const [type, source] of Object.entries(message)) {
      const cacheEvent = { type, source: String(source) };
      if (!topologyEventTypes.has(type)) invocation.ignored.push({ ...cacheEvent, reason: "event does not change the topology" });
      else if (!belongsToGroup(cacheEvent.source, groupId)) invocation.ignored.push({ ...cacheEvent, reason: `not a node of ${groupId}` });
      else invocation.relevant.push(cacheEvent);
    }
  }
  return invocation;
}
