// Why the well-known commands the exposure list leaves out are left out; any other command not in the
// list is refused as simply not listed.

/** Why a well-known command is not in the list (the rest: "not in the gateway's exposure list"). */
export const refusedBecause: Readonly<Record<string, string>> = Object.fromEntries([
  ...["flushall", "flushdb", "config", "debug", "shutdown", "monitor", "save", "bgsave", "bgrewriteaof", "replicaof", "slaveof", "sync", "psync"]
    .concat(["migrate", "failover", "acl", "module", "cluster", "latency", "slowlog", "lastsave", "swapdb", "restore", "restore-asking", "function"])
    .concat(["memory", "pfdebug", "pfselftest", "script", "wait", "waitaof", "dump", "command", "commandlog"])
    .map((c): [string, string] => [c, "administrative"]),
  ...["select", "auth", "hello", "reset", "quit", "client", "readonly", "readwrite", "asking"].map((c): [string, string] => [
    c,
    "changes the state of a shared connection",
  ]),
  ...["multi", "exec", "discard", "watch", "unwatch"].map((c): [string, string] => [c, "a raw transaction command (use the transaction option)"]),
  ...["subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe"].map((c): [string, string] => [
    c,
    "pub/sub does not belong in a request/response API",
  ]),
  ...["blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop"].map((c): [string, string] => [
    c,
    "blocking commands do not belong in a request/response API",
  ]),
  ["move", "it reaches another logical database"],
  ["clusterscan", "it walks every node's keyspace (use SCAN)"],
  ["lcs", "its memory grows with the product of both strings' lengths"],
  ["lolwut", "its reply and its work grow with arguments it does not document"],
]);
