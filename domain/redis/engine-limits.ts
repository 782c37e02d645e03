// The engine's own bounds, whatever any client sends: set in the ElastiCache parameter group and on
// every local server from this one list. A client whose pending replies pass the output-buffer hard
// limit (or stay over the soft one) is disconnected by the server, so no reply can grow Redis's memory
// past it; DEL and implicit deletes free large values off the main thread.

export interface EngineLimits {
  /** Pending reply bytes after which the server drops a normal client at once. */
  outputBufferHardBytes: number;
  /** ... or once over this many bytes for `outputBufferSoftSeconds`. */
  outputBufferSoftBytes: number;
  outputBufferSoftSeconds: number;
  /** DEL frees in the background, as UNLINK does (a large value never stalls the server). */
  lazyFreeUserDel: boolean;
  /** Deletes a command implies (SET over a large value, RENAME onto one) free in the background too. */
  lazyFreeServerDel: boolean;
  /**
   * How long a script runs before the server answers others BUSY and takes SCRIPT KILL. ElastiCache
   * fixes it (`lua-time-limit`, 5,000 ms, not in any parameter group), so the local servers use the same:
   * a runaway script holds the engine as long here as in AWS, whatever SCRIPT_TIMEOUT_MS says.
   */
  scriptBusyThresholdMs: number;
}

export const defaultEngineLimits: EngineLimits = {
  outputBufferHardBytes: 128 << 20,
  outputBufferSoftBytes: 32 << 20,
  outputBufferSoftSeconds: 30,
  lazyFreeUserDel: true,
  lazyFreeServerDel: true,
  scriptBusyThresholdMs: 5_000,
};

const yesNo = (flag: boolean) => (flag ? "yes" : "no");

/** As ElastiCache parameter-group parameters (node-based groups; `client-output-buffer-limit` is split in three; the busy threshold is fixed there). */
export function engineParameters(limits: EngineLimits): { name: string; value: string }[] {
  return [
    { name: "client-output-buffer-limit-normal-hard-limit", value: String(limits.outputBufferHardBytes) },
    { name: "client-output-buffer-limit-normal-soft-limit", value: String(limits.outputBufferSoftBytes) },
    { name: "client-output-buffer-limit-normal-soft-seconds", value: String(limits.outputBufferSoftSeconds) },
    { name: "lazyfree-lazy-user-del", value: yesNo(limits.lazyFreeUserDel) },
    { name: "lazyfree-lazy-server-del", value: yesNo(limits.lazyFreeServerDel) },
  ];
}

/** As server directives (valkey-server / redis-server arguments and CONFIG SET). */
export function engineDirectives(limits: EngineLimits): Record<string, string> {
  return {
    // The replica and pub/sub classes keep the servers' defaults (256mb 64mb 60, 32mb 8mb 60).
    "client-output-buffer-limit": `normal ${limits.outputBufferHardBytes} ${limits.outputBufferSoftBytes} ${limits.outputBufferSoftSeconds}`,
    "lazyfree-lazy-user-del": yesNo(limits.lazyFreeUserDel),
    "lazyfree-lazy-server-del": yesNo(limits.lazyFreeServerDel),
    "busy-reply-threshold": String(limits.scriptBusyThresholdMs),
  };
}
