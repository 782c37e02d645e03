// The listener's own connections: subscribers and the blocking journal reader cannot share one.
import type { Cluster, Redis } from "ioredis";

/** Subscribers and the blocking journal reader need connections of their own, like `client`'s. */
export const connectionsLike =
  (client: Redis | Cluster) =>
  (node?: Redis): Redis | Cluster => {
    const own = { maxRetriesPerRequest: null, enableAutoPipelining: false };
    const connection = node
      ? node.duplicate(own)
      : (client as Cluster).isCluster
        ? (client as Cluster).duplicate([], { redisOptions: own })
        : (client as Redis).duplicate(own);
    // While Redis is away, its errors reach the probes and the journal's loop: not stderr once per retry.
    return connection.on("error", () => {});
  };
