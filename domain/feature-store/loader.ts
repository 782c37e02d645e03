// Loads a recommendations file into Redis under a new version, then switches the pointer: readers see
// the old set or the new one, never a mix. Works on a single primary and on a Redis Cluster.
import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "../runtime/log.js";
import { primaryNodes, scanPrimaries } from "../redis/clients.js";
import { currentVersionKey, lastReportKey, previousVersionKey, userKey, versionPattern, versionsKey } from "./keys.js";
import { parseRecommendations, type BadRecord } from "./records.js";
import { LoadRefused, NoPreviousVersion } from "./errors.js";
import { PathMetrics } from "../runtime/metrics.js";
import { ConfigError } from "../runtime/errors.js";
import { MassWriter } from "./mass-writer.js";

export interface LoaderConfig {
  /** Users written per awaited batch (ioredis auto-pipelining sends each batch as one pipeline per node). */
  batchUsers: number;
  /** The previous version stays readable this long after a switch (rollback); older ones are removed. */
  previousVersionTtlSeconds: number;
  /** Log progress every this many records. */
  progressEvery: number;
  /** Replicas that must have the data before the switch (`WAIT`); 0 skips the wait. */
  waitForReplicas: number;
  /** Bad records listed in the report (all are counted). */
  maxListedBadRecords: number;
  /** A version with fewer good users than this is never published (an empty or unreadable file). */
  minUsers: number;
  /**
   * The shrink guard: a version with fewer users than this percent of the served one's is not
   * published, unless the load says the shrink is intended (LoadSource.allowShrink). 0 turns it off.
   */
  minPercentOfCurrent: number;
}

export const defaultLoaderConfig: LoaderConfig = {
  batchUsers: 2_000,
  previousVersionTtlSeconds: 3_600,
  progressEvery: 100_000,
  waitForReplicas: 0,
  maxListedBadRecords: 100,
  minUsers: 1,
  minPercentOfCurrent: 50,
};

export interface LoadSource {
  /** `s3://bucket/key` */
  uri: string;
  /** Identifies the object's content (S3 ETag or version id): the same object loads as the same version. */
  etag: string;
  chunks: AsyncIterable<string | Buffer>;
  /** An intended shrink: publish even below the shrink guard (never below minUsers). */
  allowShrink?: boolean;
}

export interface LoadReport {
  source: string;
  version: string;
  status: "loaded" | "already-current" | "failed";
  users: number;
  recommendations: number;
  badRecords: number;
  badRecordList: BadRecord[];
  seconds: number;
  recordsPerSecond: number;
  error?: string;
}

/** The same object always gets the same version, so loading it twice writes the same keys. */
export const versionOf = (uri: string, etag: string) => `v${createHash("sha256").update(`${uri}#${etag}`).digest("hex").slice(0, 12)}`;

type RedisClient = Redis | Cluster;

/** Applies `action` to every key of a version, on every primary, in SCAN-sized batches. */
async function forEachVersionKey(client: RedisClient, version: string, action: (node: Redis, keys: string[]) => Promise<unknown>) {
  for await (const { node, keys } of scanPrimaries(client, versionPattern(version))) await action(node, keys);
}

/** The user count a version's entry in the versions hash records, if it records one. */
function usersOf(entry: string | null): number | undefined {
  if (!entry) return undefined;
  const users = (JSON.parse(entry) as { users?: unknown }).users;
  return typeof users === "number" ? users : undefined;
}

const unlinkAll = (node: Redis, keys: string[]) => Promise.all(keys.map((k) => node.unlink(k)));

export class RecommendationLoader {
  constructor(
    private readonly client: RedisClient,
    private readonly log: Logger,
    private readonly config: LoaderConfig = defaultLoaderConfig,
    /** A load's progress and outcome; flushed at each progress step, so a long load is visible as it goes. */
    private readonly metrics = new PathMetrics("feature-store", () => {}),
  ) {
    // A bad TTL would fail the publish after the switch; refuse it before anything is written.
    for (const [name, value] of Object.entries(config)) {
      if (!Number.isSafeInteger(value) || value < 0) throw new ConfigError(`loader setting ${name} must be a whole number >= 0, got ${value}`);
    }
    if (config.previousVersionTtlSeconds === 0) throw new ConfigError("loader setting previousVersionTtlSeconds must be > 0");
    if (config.minPercentOfCurrent > 100) throw new ConfigError(`loader setting minPercentOfCurrent must be at most 100, got ${config.minPercentOfCurrent}`);
  }

  private recordOutcome(report: LoadReport): void {
    if (report.status === "already-current") return;
    this.metrics.add("LoadDuration", report.seconds * 1000);
    this.metrics.add("LoadRecordsPerSecond", report.recordsPerSecond);
    this.metrics.add("LoadBadRecords", report.badRecords);
    this.metrics.add("LoadSucceeded", report.status === "loaded" ? 1 : 0);
    this.metrics.add("LoadFailed", report.status === "failed" ? 1 : 0);
    this.metrics.add("LoadProgress", report.users + report.badRecords);
    this.metrics.flush();
  }

  async load(source: LoadSource): Promise<LoadReport> {
    const started = Date.now();
    const version = versionOf(source.uri, source.etag);
    const report: LoadReport = {
      source: source.uri,
      version,
      status: "loaded",
      users: 0,
      recommendations: 0,
      badRecords: 0,
      badRecordList: [],
      seconds: 0,
      recordsPerSecond: 0,
    };
    const finish = async (status: LoadReport["status"]) => {
      report.status = status;
      report.seconds = (Date.now() - started) / 1000;
      report.recordsPerSecond = Math.round((report.users + report.badRecords) / Math.max(report.seconds, 0.001));
      await this.client.hset(versionsKey, version, JSON.stringify({ status, at: new Date().toISOString(), users: report.users }));
      await this.client.set(lastReportKey, JSON.stringify(report));
      this.log.info("load finished", { ...report, badRecordList: report.badRecordList.slice(0, 10) });
      this.recordOutcome(report);
      return report;
    };

    if ((await this.client.get(currentVersionKey)) === version) return finish("already-current");
    this.log.info("load started", { source: source.uri, version });
    await this.client.hset(versionsKey, version, JSON.stringify({ status: "loading", at: new Date().toISOString() }));
    const writer = new MassWriter(this.client);
    try {
      const unusable = await this.writeVersion(source, version, report, writer, started);
      await this.refuseUnpublishable(report, unusable, source.allowShrink === true);
      if (this.config.waitForReplicas > 0) {
        for (const node of primaryNodes(this.client)) await node.call("WAIT", this.config.waitForReplicas, 5_000);
      }
      await this.publish(version, report);
      return finish("loaded");
    } catch (error) {
      // The current version keeps serving; the half-written one is removed, unless a pointer (current or
      // previous) already names it (or cannot be read): a pointer must never name a version that is gone.
      report.error = error instanceof Error ? error.message : String(error);
      const pointers = await this.client.mget(currentVersionKey, previousVersionKey).catch(() => [version]);
      if (!pointers.includes(version)) await forEachVersionKey(this.client, version, unlinkAll).catch(() => undefined);
      return finish("failed");
    } finally {
      writer.close();
    }
  }

  /**
   * Publishes only a whole file with enough users: a file that did not parse to its end, one with fewer
   * than minUsers good records, or one that shrinks the served version past the guard fails the load.
   */
  private async refuseUnpublishable(report: LoadReport, unusable: BadRecord | undefined, allowShrink: boolean): Promise<void> {
    if (unusable) throw new LoadRefused(`the file is not loadable as a whole: ${unusable.reason} (line ${unusable.line})`);
    const { minUsers, minPercentOfCurrent } = this.config;
    if (report.users < minUsers) {
      throw new LoadRefused(`the file has ${report.users} good user records, fewer than the minimum of ${minUsers} (${report.badRecords} bad)`);
    }
    if (allowShrink || minPercentOfCurrent === 0) return;
    const current = await this.client.get(currentVersionKey);
    const served = current ? usersOf(await this.client.hget(versionsKey, current)) : undefined;
    if (served !== undefined && report.users * 100 < served * minPercentOfCurrent) {
      throw new LoadRefused(
        `the file has ${report.users} users, fewer than ${minPercentOfCurrent}% of the ${served} the served version ${current} has ` +
          `(an intended shrink: load it with allowShrink, or set LOAD_MIN_PERCENT_OF_CURRENT)`,
      );
    }
  }

  /**
   * Streams every record into the version's keys: bad records counted and skipped, two batches in
   * flight. Returns what made the file unusable as a whole, if anything did.
   */
  private async writeVersion(source: LoadSource, version: string, report: LoadReport, writer: MassWriter, started: number): Promise<BadRecord | undefined> {
    let unusable: BadRecord | undefined;
    let batchUsers = 0;
    // Two batches in flight: Redis applies one while the next is parsed and encoded.
    const inFlight: Promise<void>[] = [];
    for await (const parsed of parseRecommendations(source.chunks)) {
      if (!parsed.ok) {
        if (parsed.bad.wholeFile) unusable ??= parsed.bad;
        report.badRecords++;
        if (report.badRecordList.length < this.config.maxListedBadRecords) report.badRecordList.push(parsed.bad);
        this.log.warn("bad record skipped", { ...parsed.bad });
        continue;
      }
      const { userId, movieIds } = parsed.value;
      const key = userKey(version, userId);
      // A fresh key per version: a shrunk list leaves no stale ranks behind (the original's defect).
      if (movieIds.length) writer.addRankedHash(key, movieIds);
      else writer.add(key, ["UNLINK", key]);
      report.users++;
      report.recommendations += movieIds.length;
      if (++batchUsers >= this.config.batchUsers) {
        inFlight.push(writer.flush());
        batchUsers = 0;
        if (inFlight.length >= 2) await inFlight.shift();
      }
      if ((report.users + report.badRecords) % this.config.progressEvery === 0) {
        this.log.info("load progress", { version, records: report.users + report.badRecords, seconds: (Date.now() - started) / 1000 });
        this.metrics.add("LoadProgress", report.users + report.badRecords);
        this.metrics.flush();
      }
    }
    inFlight.push(writer.flush());
    await Promise.all(inFlight);
    return unusable;
  }

  /**
   * Switches the pointer (the load's commit point), then keeps the previous version for rollback and
   * removes anything older. A failure after the switch is reported, never undone: the new version is whole.
   */
  private async publish(version: string, report: LoadReport): Promise<void> {
    const current = await this.client.get(currentVersionKey);
    await this.client.set(currentVersionKey, version);
    try {
      if (current && current !== version) {
        await this.client.set(previousVersionKey, current, "EX", this.config.previousVersionTtlSeconds);
        await forEachVersionKey(this.client, current, (node, keys) => Promise.all(keys.map((k) => node.expire(k, this.config.previousVersionTtlSeconds))));
      }
      const versions = Object.keys(await this.client.hgetall(versionsKey));
      for (const old of versions.filter((v) => v !== version && v !== current)) {
        await forEachVersionKey(this.client, old, unlinkAll);
        await this.client.hdel(versionsKey, old);
      }
    } catch (error) {
      report.error = `published, but cleaning up older versions failed: ${error instanceof Error ? error.message : String(error)}`;
      this.log.warn("cleanup after publishing failed", { version, reason: report.error });
    }
  }

  /** Points readers back at the previous version while it is still kept. */
  async rollback(): Promise<string> {
    const previous = await this.client.get(previousVersionKey);
    if (!previous) throw new NoPreviousVersion("no previous version to roll back to (it expired or there was none)");
    const current = await this.client.get(currentVersionKey);
    await this.client.set(currentVersionKey, previous);
    if (current) await this.client.set(previousVersionKey, current, "EX", this.config.previousVersionTtlSeconds);
    return previous;
  }
}
