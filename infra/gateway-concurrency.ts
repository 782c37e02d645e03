// How many gateway containers a cache node can take: each keeps one connection per scope whose pending
// replies Redis may buffer up to the output-buffer hard limit, so containers x that limit must stay
// well inside the node's memory. Half the node is given to the two gateway functions, split evenly.
import { ConfigError } from "../domain/runtime/errors.js";

/** Memory of the node types offered here, in GiB (ElastiCache's published figures). */
export const nodeMemoryGiB: Record<string, number> = {
  "cache.t4g.micro": 0.5,
  "cache.t4g.small": 1.37,
  "cache.t4g.medium": 3.09,
  "cache.m7g.large": 6.38,
  "cache.r7g.large": 13.07,
};

/** Reserved concurrency for each gateway function on `nodeType` (at least 1). */
export function gatewayConcurrency(nodeType: string, outputBufferHardBytes: number): number {
  const memory = nodeMemoryGiB[nodeType];
  if (memory === undefined)
    throw new ConfigError(`no memory figure for node type "${nodeType}" to size the gateway's concurrency (known: ${Object.keys(nodeMemoryGiB).join(", ")})`);
  return Math.max(1, Math.floor((memory * 2 ** 30 * 0.5) / outputBufferHardBytes / 2));
}
