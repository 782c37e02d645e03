// Where a load's data lives in Redis. Every key of a user shares the hash tag `{userId}`, so a
// user's reads stay on one shard of a Redis Cluster; each load writes under its own version.
export const currentVersionKey = "recs:current";
export const previousVersionKey = "recs:previous";
/** Hash: version -> JSON of its state and report. */
export const versionsKey = "recs:versions";
export const lastReportKey = "recs:last-report";

export const userKey = (version: string, userId: string) => `recs:{${userId}}:${version}`;
/** A SCAN pattern for every key of one version (braces are not special in Redis glob patterns). */
export const versionPattern = (version: string) => `recs:{*}:${version}`;
