// A replication group (a primary and two replicas on their own loopback addresses) behind the local
// primary endpoint, for the suites that fail it over.
import { startPrimaryEndpoint, type PrimaryEndpoint } from "../../local/aws/primary-endpoint.js";
import { startReplicationGroup, type ReplicationGroup } from "../../local/launcher/services.js";
import { notifications } from "./change-feed.js";

export interface FailoverBed {
  group: ReplicationGroup;
  endpoint: PrimaryEndpoint;
  stop(): Promise<void>;
}

export async function startFailoverBed(hosts: string[]): Promise<FailoverBed> {
  const group = await startReplicationGroup({ replicas: hosts.length - 1, hosts, config: notifications });
  const endpoint = await startPrimaryEndpoint(
    group.nodes.map((n) => n.url),
    { checkEveryMs: 100 },
  );
  return {
    group,
    endpoint,
    stop: async () => {
      await endpoint.stop();
      await group.stop();
    },
  };
}
