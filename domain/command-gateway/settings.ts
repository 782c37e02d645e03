// The command gateway's settings, the one type of them: what the Lambdas read, `make dev` passes on,
// the infrastructure types and sets (ECP_<NAME>), and docs/command-api.md documents. The per-request
// limits count every GraphQL field of one document together. Each field's default is beside it.
import type { EnvironmentReader } from "../runtime/env.js";

export interface GatewaySettings {
  /**
   * Commands per HTTP request (every field of a GraphQL document together).
   * @default 1000
   */
  maxCommands: number;
  /**
   * Request bytes as Redis receives them (arguments and their RESP framing), per HTTP request.
   * @default 1048576 (1 MiB)
   */
  maxRequestBytes: number;
  /**
   * Reply bytes (RESP, as received) per HTTP request; reading stops past it and the rest become errors.
   * @default 4194304 (4 MiB)
   */
  maxReplyBytes: number;
  /**
   * KEYS only on a keyspace at most this large; SCAN's COUNT at most this.
   * @default 1000
   */
  maxKeysScanSize: number;
  /**
   * Largest count (COUNT options, SRANDMEMBER counts, LIMIT blocks) a command may ask for.
   * @default 10000
   */
  maxReplyElements: number;
  /**
   * Largest byte offset a write may reach (SETRANGE, SETBIT, BITFIELD allocate up to it); bytes a bitmap count may walk.
   * @default 1048576 (1 MiB)
   */
  maxOffsetBytes: number;
  /**
   * Elements one request may make the server touch, its commands together (set algebra, sorts, scans, ranges, offsets).
   * @default 100000
   */
  maxWorkElements: number;
  /**
   * Bytes one request may copy inside Redis (COPY's sources, as MEMORY USAGE sizes them).
   * @default 1048576 (1 MiB)
   */
  maxCopyBytes: number;
  /**
   * Root fields (aliases included) per GraphQL document; AppSync's resolver count limit in AWS.
   * @default 1
   */
  maxFieldsPerRequest: number;
  /**
   * EVAL, EVALSHA, FCALL (and their _RO forms for read-only callers); never for a caller with a key prefix.
   * @default false
   */
  allowScripts: boolean;
  /**
   * With ALLOW_SCRIPTS: the only scripts EVALSHA(_RO) may run (their SHA1s) and functions FCALL(_RO) may
   * call (their names), as the operator deploys them; anything else in the script cache stays out of reach.
   * @default [] (none)
   */
  registeredScripts: string[];
  /**
   * With ALLOW_SCRIPTS: raw EVAL and SCRIPT LOAD for read-write callers (any Lua, its memory unbounded by the engine).
   * @default false
   */
  allowEval: boolean;
  /**
   * A script still running after this long is killed with SCRIPT KILL / FUNCTION KILL.
   * @default 1000
   */
  scriptTimeoutMs: number;
  /**
   * Requests per second each caller (API key or token) may make of one gateway process, refilled continuously; past it, 429 with Retry-After.
   * @default 1000
   */
  requestsPerSecond: number;
  /**
   * Requests a caller may make at once before its rate applies.
   * @default 2000
   */
  requestBurst: number;
  /**
   * Elements of work per second each caller may make the server touch (a request's work, as MAX_WORK_ELEMENTS counts it).
   * @default 5000000
   */
  workPerSecond: number;
  /**
   * Caller id (`sha256:` + the first 32 hex digits of the key's or token's SHA-256) -> the only key prefix it may touch.
   * @default {} (no caller confined)
   */
  keyPrefixes: Record<string, string>;
  /**
   * Subscription streams (`/subscribe`, `/psubscribe`) one caller may hold open on one gateway process at once.
   * @default 10
   */
  subscriptionsPerCaller: number;
  /**
   * Subscription streams one gateway process holds at once, every caller together (each is one Redis connection).
   * @default 2000
   */
  subscriptionsPerProcess: number;
  /**
   * A stream ends after this long with a comment saying so (clients reconnect); API Gateway ends a streamed response at 15 minutes.
   * @default 840
   */
  streamLifetimeSeconds: number;
  /**
   * An idle stream gets a comment line this often, so proxies (API Gateway's 5-minute idle limit) keep it open.
   * @default 25
   */
  streamKeepAliveSeconds: number;
  /**
   * Bytes a stream may have waiting for a slow consumer; past it the stream is closed with the reason (its memory never grows further). Also the largest message a stream carries.
   * @default 262144 (256 KiB)
   */
  streamBufferBytes: number;
  /**
   * Scopes (`read`, `write`, `read:tenant-a:`) that may subscribe to keyspace notifications (`__keyspace@…`, and `__keyevent@…` unconfined), which reveal key names; a tenant's only to its own keys'.
   * @default [] (none)
   */
  keyspaceChannelScopes: string[];
}

export const defaultGatewaySettings: GatewaySettings = {
  maxCommands: 1_000,
  maxRequestBytes: 1 << 20,
  maxReplyBytes: 4 << 20,
  maxKeysScanSize: 1_000,
  maxReplyElements: 10_000,
  maxOffsetBytes: 1 << 20,
  maxWorkElements: 100_000,
  maxCopyBytes: 1 << 20,
  maxFieldsPerRequest: 1,
  allowScripts: false,
  registeredScripts: [],
  allowEval: false,
  scriptTimeoutMs: 1_000,
  requestsPerSecond: 1_000,
  requestBurst: 2_000,
  workPerSecond: 5_000_000,
  keyPrefixes: {},
  subscriptionsPerCaller: 10,
  subscriptionsPerProcess: 2_000,
  streamLifetimeSeconds: 840,
  streamKeepAliveSeconds: 25,
  streamBufferBytes: 256 << 10,
  keyspaceChannelScopes: [],
};

/** Each setting's environment variable in the Lambdas and `make dev`; the infrastructure reads `ECP_` + the same name. */
export const gatewayEnvironmentNames: Record<keyof GatewaySettings, string> = {
  maxCommands: "MAX_COMMANDS",
  maxRequestBytes: "MAX_REQUEST_BYTES",
  maxReplyBytes: "MAX_REPLY_BYTES",
  maxKeysScanSize: "MAX_KEYS_SCAN_SIZE",
  maxReplyElements: "MAX_REPLY_ELEMENTS",
  maxOffsetBytes: "MAX_OFFSET_BYTES",
  maxWorkElements: "MAX_WORK_ELEMENTS",
  maxCopyBytes: "MAX_COPY_BYTES",
  maxFieldsPerRequest: "MAX_FIELDS_PER_REQUEST",
  allowScripts: "ALLOW_SCRIPTS",
  registeredScripts: "REGISTERED_SCRIPTS",
  allowEval: "ALLOW_EVAL",
  scriptTimeoutMs: "SCRIPT_TIMEOUT_MS",
  requestsPerSecond: "RATE_REQUESTS_PER_SECOND",
  requestBurst: "RATE_REQUEST_BURST",
  workPerSecond: "RATE_WORK_PER_SECOND",
  keyPrefixes: "KEY_PREFIXES",
  subscriptionsPerCaller: "SUBSCRIPTIONS_PER_CALLER",
  subscriptionsPerProcess: "SUBSCRIPTIONS_PER_PROCESS",
  streamLifetimeSeconds: "STREAM_LIFETIME_SECONDS",
  streamKeepAliveSeconds: "STREAM_KEEPALIVE_SECONDS",
  streamBufferBytes: "STREAM_BUFFER_BYTES",
  keyspaceChannelScopes: "KEYSPACE_CHANNEL_SCOPES",
};

/** The settings as the environment variables the gateway's functions read. */
export function gatewayEnvironment(settings: GatewaySettings): Record<string, string> {
  return Object.fromEntries(
    (Object.keys(gatewayEnvironmentNames) as (keyof GatewaySettings)[]).map((field) => {
      const value = settings[field];
      return [gatewayEnvironmentNames[field], typeof value === "object" ? JSON.stringify(value) : String(value)];
    }),
  );
}

export const registeredScriptsExample = '["<40-hex SHA1 of a loaded script>", "<function name>"]';

/** Checks a REGISTERED_SCRIPTS value: a JSON list of SHA1s and function names. */
export function registeredScriptsOf(value: unknown): string[] {
  if (!Array.isArray(value)) throw new Error("not a JSON list");
  const bad: unknown = (value as unknown[]).find((v) => typeof v !== "string" || !/^([0-9a-f]{40}|[A-Za-z_][A-Za-z0-9_]{0,127})$/.test(v));
  if (bad !== undefined) throw new Error(`${JSON.stringify(bad)} is neither a script's SHA1 (40 hex digits) nor a function name`);
  return value as string[];
}

export const keyPrefixExample = '{"sha256:<first 32 hex of the key\'s SHA-256>": "tenant-a:"}';

/** Checks a KEY_PREFIXES value: a JSON object of non-empty string prefixes. */
export function keyPrefixesOf(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
  for (const [caller, prefix] of Object.entries(value)) {
    if (typeof prefix !== "string" || prefix === "") throw new Error(`the prefix of ${caller} is not a non-empty string`);
  }
  return value as Record<string, string>;
}

export const keyspaceChannelScopesExample = '["read", "write:tenant-a:"]';

/** Checks a KEYSPACE_CHANNEL_SCOPES value: a JSON list of scope ids (`read`, `write`, or either with `:` and a prefix). */
export function keyspaceChannelScopesOf(value: unknown): string[] {
  if (!Array.isArray(value)) throw new Error("not a JSON list");
  const bad: unknown = (value as unknown[]).find((v) => typeof v !== "string" || !/^(read|write)(:.+)?$/s.test(v));
  if (bad !== undefined) throw new Error(`${JSON.stringify(bad)} is not a scope id (read, write, read:<prefix>, write:<prefix>)`);
  return value as string[];
}

/** Reads every setting from the environment (names after `prefix`), with the defaults above. */
export function readGatewaySettings(env: EnvironmentReader, prefix = ""): GatewaySettings {
  const d = defaultGatewaySettings;
  const n = gatewayEnvironmentNames;
  const int = (field: keyof GatewaySettings) => env.positiveInteger(prefix + n[field], d[field] as number);
  return {
    maxCommands: int("maxCommands"),
    maxRequestBytes: int("maxRequestBytes"),
    maxReplyBytes: int("maxReplyBytes"),
    maxKeysScanSize: int("maxKeysScanSize"),
    maxReplyElements: int("maxReplyElements"),
    maxOffsetBytes: int("maxOffsetBytes"),
    maxWorkElements: int("maxWorkElements"),
    maxCopyBytes: int("maxCopyBytes"),
    maxFieldsPerRequest: int("maxFieldsPerRequest"),
    allowScripts: env.flag(prefix + n.allowScripts, d.allowScripts),
    registeredScripts: env.json(prefix + n.registeredScripts, d.registeredScripts, registeredScriptsOf, registeredScriptsExample),
    allowEval: env.flag(prefix + n.allowEval, d.allowEval),
    scriptTimeoutMs: int("scriptTimeoutMs"),
    requestsPerSecond: int("requestsPerSecond"),
    requestBurst: int("requestBurst"),
    workPerSecond: int("workPerSecond"),
    keyPrefixes: env.json(prefix + n.keyPrefixes, d.keyPrefixes, keyPrefixesOf, keyPrefixExample),
    subscriptionsPerCaller: int("subscriptionsPerCaller"),
    subscriptionsPerProcess: int("subscriptionsPerProcess"),
    streamLifetimeSeconds: int("streamLifetimeSeconds"),
    streamKeepAliveSeconds: int("streamKeepAliveSeconds"),
    streamBufferBytes: int("streamBufferBytes"),
    keyspaceChannelScopes: env.json(prefix + n.keyspaceChannelScopes, d.keyspaceChannelScopes, keyspaceChannelScopesOf, keyspaceChannelScopesExample),
  };
}
