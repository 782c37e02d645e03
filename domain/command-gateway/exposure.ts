// The exposure list: the only commands that reach Redis over HTTP, each reviewed with the rule that
// bounds its reply and the server's work. Anything not listed is refused with the reason. Rules name
// arguments as COMMAND DOCS does (`count`, `num-matches`, `offset`); costs.ts applies them.

/** Which limit a count or size is held to: reply elements, the SCAN/KEYS walk, elements walked or combined, bitmap bytes. */
export type Bound = "reply" | "scan" | "work" | "bytes";

export type CostRule =
  /** An integer argument within `floor` (0 where it may be; 1 where 0 means "every element") .. the bound; `negative`: -bound .. bound. */
  | { rule: "count"; argument: string; bound: Bound; floor?: number; negative?: true }
  /** As `count`; when absent, the reply is every element, so each key's size is held to the bound instead. */
  | { rule: "count-or-size"; argument: string; bound: Bound; floor?: number }
  /** An index range (`start stop`): its length, or, with mixed signs, the collection's size. */
  | { rule: "span"; start: string; stop: string; bound: Bound }
  /** A sorted-set range: by index a span; by score or lex (or with BYSCORE/BYLEX) a LIMIT's count, else the size; offsets walk too. */
  | { rule: "range"; bound: Bound }
  /** Every key's size (LLEN, SCARD, ZCARD, HLEN, XLEN or STRLEN, by the command's group). */
  | { rule: "size"; bound: Bound }
  /** Keys combined: each at most once, their sizes summed (`weight`: work per element, 4 where the result is ordered). */
  | { rule: "combined"; bound: Bound; weight?: number }
  /** One reply element per value of `argument` (MGET's keys, HMGET's fields). */
  | { rule: "elements"; argument: string }
  | { rule: "reply-bytes" } // strings read whole: their lengths (a key named twice counted twice) against the reply bytes left
  /** No key named twice (each costs the server a pass). */
  | { rule: "distinct" }
  /** COPY: the source's exact memory (MEMORY USAGE, every element sampled) against what the request may copy. */
  | { rule: "copy" }
  /** An offset that allocates up to it, in bytes or bits (BITFIELD's `#n` is n times the type's width). */
  | { rule: "offset"; argument: string; unit: "byte" | "bit" }
  /** SORT: the collection is sorted whole (its size), and returns LIMIT's count (or all) per GET. */
  | { rule: "sort" }
  /** KEYS: only on a keyspace of at most the SCAN size. */
  | { rule: "keyspace" }
  /** Answered by the gateway from the table it read from the server (never sent), for named commands. */
  | { rule: "introspection" }
  /** INFO: only the named sections. */
  | { rule: "sections"; allowed: readonly string[] };
export interface Exposure {
  access: "read" | "write";
  cost: readonly CostRule[];
  /** Reaches beyond any key prefix (the whole keyspace or server): refused for a caller confined to one. */
  global?: string;
  /** Under a key prefix, a pattern argument (starting with the prefix) is required: it walks the keyspace. */
  walks?: true;
  /** An option that blocks the connection (XREAD's BLOCK): refused. */
  blocks?: string;
  /** Runs a script: only with ALLOW_SCRIPTS, never under a key prefix. */
  script?: "runs" | "loads" | "reads";
  /** The engine's own key lookup misreads it: refused for a caller confined to a prefix (the engine is its second wall). */
  engineMisreads?: string;
}

const read = (...cost: CostRule[]): Exposure => ({ access: "read", cost });
const write = (...cost: CostRule[]): Exposure => ({ access: "write", cost });
const count = (argument: string, bound: Bound, options: { floor?: number; negative?: true } = {}): CostRule => ({ rule: "count", argument, bound, ...options });
const countOrSize = (argument: string, bound: Bound, floor = 1): CostRule => ({ rule: "count-or-size", argument, bound, floor });
const size = (bound: Bound): CostRule => ({ rule: "size", bound });
const combined = (bound: Bound, weight?: number): CostRule => ({ rule: "combined", bound, ...(weight ? { weight } : {}) });
const elements = (argument: string): CostRule => ({ rule: "elements", argument });
const distinct: CostRule = { rule: "distinct" };
const ordered = 4; // a sorted set's union, intersection or difference costs about four times a set's per element (measured: 182 ms against 45 ms for 100,000)
// COUNT bounds a geo search's reply, not its walk: the set's size is work.
const [geoSearch, geoStore] = [read(countOrSize("count", "reply"), size("work")), write(countOrSize("count", "work"), size("work"))];
const span: CostRule = { rule: "span", start: "start", stop: "stop", bound: "reply" };
/** INFO sections that say nothing of other tenants' keys, the network or the configuration. */
export const harmlessInfoSections = ["server", "clients", "memory", "persistence", "stats", "cpu", "errorstats"] as const;
const wholeKeyspace = "it reaches the whole keyspace, beyond your key prefix";
const misreadStore = "the engine's own key lookup misreads its STORE option, so it cannot be confined to a key prefix";

export const exposure: Readonly<Record<string, Exposure>> = {
  // Strings: a value's size is bounded by the request (writes) and the reply limit (reads).
  get: read(),
  getrange: read(),
  substr: read(),
  strlen: read(),
  mget: read(elements("key"), { rule: "reply-bytes" }), // one GET is not sized (a probe would double its round trips)
  // Writes of one value each (MSETEX and DELIFEQ: Valkey 9.1).
  ...Object.fromEntries(
    ["set", "setnx", "setex", "psetex", "getset", "getdel", "getex", "mset", "msetnx", "msetex", "delifeq", "append"]
      .concat(["incr", "incrby", "incrbyfloat", "decr", "decrby"])
      .map((c) => [c, write()]),
  ),
  setrange: write({ rule: "offset", argument: "offset", unit: "byte" }),
  // Bitmaps: offsets allocate; counting walks the string.
  getbit: read(),
  setbit: write({ rule: "offset", argument: "offset", unit: "bit" }),
  bitfield: write({ rule: "offset", argument: "offset", unit: "bit" }),
  bitfield_ro: read({ rule: "offset", argument: "offset", unit: "bit" }),
  bitcount: read(size("bytes")),
  bitpos: read(size("bytes")),
  bitop: write(combined("bytes")),
  // Hashes.
  hget: read(),
  hexists: read(),
  hlen: read(),
  hstrlen: read(),
  hmget: read(elements("field")),
  hgetall: read(size("reply")),
  hkeys: read(size("reply")),
  hvals: read(size("reply")),
  hrandfield: read(count("count", "reply", { negative: true })),
  hscan: read(count("count", "reply")),
  hset: write(),
  hsetnx: write(),
  hmset: write(),
  hdel: write(),
  hincrby: write(),
  hincrbyfloat: write(),
  // Valkey 9: fields with their own TTLs; each command names its fields (FIELDS numfields field ...).
  ...Object.fromEntries(["hexpire", "hexpireat", "hpexpire", "hpexpireat", "hpersist", "hgetdel", "hgetex"].map((c) => [c, write(elements("field"))])),
  ...Object.fromEntries(["hexpiretime", "hpexpiretime", "httl", "hpttl"].map((c) => [c, read(elements("field"))])),
  hsetex: write(),
  // Lists: reads by index walk the list.
  llen: read(),
  lindex: read(size("work")),
  lrange: read(span),
  lpos: read(size("work"), count("num-matches", "reply", { floor: 1 })),
  lpush: write(),
  rpush: write(),
  lpushx: write(),
  rpushx: write(),
  lpop: write(count("count", "reply")),
  rpop: write(count("count", "reply")),
  linsert: write(size("work")),
  lset: write(size("work")),
  lrem: write(size("work")),
  ltrim: write(size("work")),
  lmove: write(),
  rpoplpush: write(),
  lmpop: write(distinct, count("count", "reply")),
  // Sets.
  scard: read(),
  sismember: read(),
  smismember: read(elements("member")),
  smembers: read(size("reply")),
  srandmember: read(count("count", "reply", { negative: true })),
  sscan: read(count("count", "reply")),
  sdiff: read(combined("reply")),
  sinter: read(combined("reply")),
  sunion: read(combined("reply")),
  sintercard: read(combined("work")),
  sadd: write(),
  srem: write(),
  smove: write(),
  spop: write(count("count", "reply")),
  sdiffstore: write(combined("work")),
  sinterstore: write(combined("work")),
  sunionstore: write(combined("work")),
  // Sorted sets.
  zcard: read(),
  zscore: read(),
  zrank: read(),
  zrevrank: read(),
  zcount: read(),
  zlexcount: read(),
  zmscore: read(elements("member")),
  zrange: read({ rule: "range", bound: "reply" }),
  zrevrange: read(span),
  zrangebyscore: read({ rule: "range", bound: "reply" }),
  zrevrangebyscore: read({ rule: "range", bound: "reply" }),
  zrangebylex: read({ rule: "range", bound: "reply" }),
  zrevrangebylex: read({ rule: "range", bound: "reply" }),
  zrandmember: read(count("count", "reply", { negative: true })),
  zscan: read(count("count", "reply")),
  zunion: read(combined("reply", ordered)),
  zinter: read(combined("reply", ordered)),
  zdiff: read(combined("reply", ordered)),
  zintercard: read(combined("work")),
  zadd: write(),
  zincrby: write(),
  zrem: write(),
  zpopmin: write(count("count", "reply")),
  zpopmax: write(count("count", "reply")),
  zmpop: write(distinct, count("count", "reply")),
  zrangestore: write({ rule: "range", bound: "work" }),
  zremrangebyrank: write(size("work")),
  zremrangebyscore: write(size("work")),
  zremrangebylex: write(size("work")),
  zunionstore: write(combined("work", ordered)),
  zinterstore: write(combined("work", ordered)),
  zdiffstore: write(combined("work", ordered)),
  // Streams: no blocking; a read without COUNT returns the whole stream, so it is held to its length.
  xlen: read(),
  xrange: read(countOrSize("count", "reply")),
  xrevrange: read(countOrSize("count", "reply")),
  xread: { ...read(distinct, countOrSize("count", "reply")), blocks: "BLOCK" },
  xpending: read(count("count", "reply", { floor: 1 })),
  "xinfo|stream": read(count("count", "reply", { floor: 1 })),
  "xinfo|groups": read(),
  "xinfo|consumers": read(),
  xadd: write(count("count", "work", { floor: 1 })),
  xdel: write(elements("id")),
  xack: write(elements("id")),
  xclaim: write(elements("id")),
  xautoclaim: write(count("count", "reply", { floor: 1 })),
  xtrim: write(size("work")),
  xreadgroup: { ...write(distinct, countOrSize("count", "reply")), blocks: "BLOCK" },
  xsetid: write(),
  "xgroup|create": write(),
  "xgroup|createconsumer": write(),
  "xgroup|delconsumer": write(),
  "xgroup|destroy": write(),
  "xgroup|setid": write(),
  // Geo: a search without COUNT returns every match, so the set is held to the bound.
  geoadd: write(),
  geodist: read(),
  geohash: read(elements("member")),
  geopos: read(elements("member")),
  geosearch: geoSearch,
  georadius_ro: geoSearch,
  georadiusbymember_ro: geoSearch,
  geosearchstore: geoStore,
  georadius: { ...geoStore, engineMisreads: misreadStore },
  georadiusbymember: { ...geoStore, engineMisreads: misreadStore },
  // HyperLogLog: each key is merged once.
  pfadd: write(),
  pfcount: read(distinct),
  pfmerge: write(distinct),
  // Keys. DEL and UNLINK free in the background (lazyfree-lazy-user-del, set in the engine).
  exists: read(),
  touch: read(),
  type: read(),
  ttl: read(),
  pttl: read(),
  expiretime: read(),
  pexpiretime: read(),
  "object|encoding": read(),
  "object|freq": read(),
  "object|idletime": read(),
  "object|refcount": read(),
  del: write(),
  unlink: write(),
  expire: write(),
  pexpire: write(),
  expireat: write(),
  pexpireat: write(),
  persist: write(),
  rename: write(),
  renamenx: write(),
  copy: write({ rule: "copy" }),
  sort_ro: read({ rule: "sort" }),
  sort: { ...write({ rule: "sort" }), engineMisreads: misreadStore },
  scan: { ...read(count("count", "scan", { floor: 1 })), walks: true },
  keys: { ...read({ rule: "keyspace" }), global: "KEYS is not confined by the engine's key patterns: use SCAN with MATCH <prefix>*" },
  randomkey: { ...read(), global: wholeKeyspace },
  dbsize: { ...read(), global: wholeKeyspace },
  // Pub/sub: publishing only; a channel is confined to the prefix like a key.
  publish: write(),
  spublish: write(),
  "pubsub|channels": { ...read(), walks: true },
  "pubsub|shardchannels": { ...read(), walks: true },
  "pubsub|numsub": read(),
  "pubsub|shardnumsub": read(),
  "pubsub|numpat": { ...read(), global: "it counts every client's patterns" },
  // The connection and the server: harmless answers only.
  ping: read(),
  echo: read(),
  time: read(),
  info: { ...read({ rule: "sections", allowed: harmlessInfoSections }), global: "it describes the whole server" },
  "memory|usage": read(count("count", "work", { floor: 1 })),
  "command|docs": read({ rule: "introspection" }),
  "command|info": read({ rule: "introspection" }),
  "command|list": read({ rule: "introspection" }),
  "command|count": read({ rule: "introspection" }),
  // Scripts (ALLOW_SCRIPTS): killed past SCRIPT_TIMEOUT_MS. A read-only caller runs loaded scripts only,
  // so it cannot fill the script cache.
  eval: { ...write(), script: "loads" },
  evalsha: { ...write(), script: "runs" },
  eval_ro: { ...read(), script: "loads" },
  evalsha_ro: { ...read(), script: "reads" },
  fcall: { ...write(), script: "runs" },
  fcall_ro: { ...read(), script: "reads" },
  "script|load": { ...write(), script: "loads" },
  "script|exists": { ...read(), script: "reads" },
  // JSON, where the engine has it (ElastiCache): reachable once the engine documents its grammar.
  "json.get": read(),
  "json.mget": read(elements("key")),
  "json.type": read(),
  "json.strlen": read(),
  "json.objlen": read(),
  "json.objkeys": read(),
  "json.arrlen": read(),
  "json.set": write(),
  "json.del": write(),
  "json.forget": write(),
  "json.clear": write(),
  "json.toggle": write(),
  "json.numincrby": write(),
  "json.strappend": write(),
  "json.arrappend": write(),
  "json.arrinsert": write(),
  "json.arrpop": write(),
  "json.arrtrim": write(),
};
