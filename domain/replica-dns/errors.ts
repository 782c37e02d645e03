// The keeper's errors: bad naming (a deployment mistake), a group or zone that cannot be read, and a
// topology it refuses to act on.
import { ServiceError } from "../runtime/errors.js";

export class ReplicaDnsError extends ServiceError {
  override name = "ReplicaDnsError";
}

/** A record name is not a valid host name inside the zone: fix the configuration. */
export class NamingError extends ReplicaDnsError {
  override name = "NamingError";
  override readonly status = 400;
}

/** The group or the zone is not there (or cannot be read as expected). */
export class TopologyError extends ReplicaDnsError {
  override name = "TopologyError";
  override readonly status = 404;
}

/** The group reports a state no record change should follow (two primaries mid-failover): try again later. */
export class AmbiguousTopology extends ReplicaDnsError {
  override name = "AmbiguousTopology";
  override readonly status = 409;
  override readonly retryable = true;
}

/** The group is between states (no primary, no nodes, members without roles mid-failover): change nothing now. */
export class TopologyUnsettled extends ReplicaDnsError {
  override name = "TopologyUnsettled";
  override readonly status = 503;
  override readonly retryable = true;
}
