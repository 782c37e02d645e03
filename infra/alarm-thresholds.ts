// The data paths' alarm thresholds and their defaults (SystemConfig.alarms.dataPaths); the alarms are
// infra/constructs/data-path-alarms.ts, their runbooks docs/operating.md.

/** Thresholds of the data paths' alarms. A `...Minutes` or `...Rounds` setting is how long the condition must last. */
export interface DataPathAlarmThresholds {
  /** Change feed: the worst mapping's p99 lag from a key's first hint to its sink's confirmation. */
  feedLagP99Ms: number;
  feedLagMinutes: number;
  /** The journal's oldest unconfirmed entry (a delivery that keeps failing, or no listener reading). */
  oldestUnconfirmedSeconds: number;
  /** Dead letters tolerated in five minutes (0: any wakes someone). */
  deadLetters: number;
  deafMinutes: number;
  /** Sampled items that differ between Redis and DynamoDB, over `driftRounds` consecutive rounds. */
  driftItems: number;
  driftRounds: number;
  /** The listener's drift sampling interval (the alarm's period). */
  driftIntervalSeconds: number;
  /** No report from any listener for this long: the host or the process is gone. */
  heartbeatMissingMinutes: number;
  /** Feature store: no load published a version for this long ("a day and a bit"). */
  featureLoadMaxAgeHours: number;
  /** Replica DNS: this many held runs within the window. */
  keeperHeldRuns: number;
  keeperHeldWindowMinutes: number;
  /** Command gateway: errors (5xx) and refusals as a share of requests, over the window. */
  gatewayErrorPercent: number;
  gatewayRefusalPercent: number;
  gatewayRateMinutes: number;
}

export const defaultDataPathAlarms: DataPathAlarmThresholds = {
  feedLagP99Ms: 60_000,
  feedLagMinutes: 5,
  oldestUnconfirmedSeconds: 300,
  deadLetters: 0,
  deafMinutes: 5,
  driftItems: 0,
  driftRounds: 2,
  driftIntervalSeconds: 300,
  heartbeatMissingMinutes: 5,
  featureLoadMaxAgeHours: 26,
  keeperHeldRuns: 3,
  keeperHeldWindowMinutes: 15,
  gatewayErrorPercent: 5,
  gatewayRefusalPercent: 50,
  gatewayRateMinutes: 15,
};
