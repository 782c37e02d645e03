// The reader's core: `GET /recommendations?userId=1&rank=1`, one Redis round trip per request.
import type { Cluster, Redis } from "ioredis";
import { currentVersionKey, lastReportKey, userKey, versionsKey } from "./keys.js";
import type { PathMetrics } from "../runtime/metrics.js";
import { jsonResponse as json, textResponse as text, type HttpRequest, type HttpResponse } from "../runtime/http.js";

const positiveInteger = /^[1-9][0-9]{0,8}$/;
const plainId = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Knows the current version without asking Redis on every request: it refreshes in the background
 * (and at once on a miss). A request reads exactly one version's hash, so it sees one whole load.
 */
export class CurrentVersion {
  private value?: string;
  private refreshedAt = 0;
  /** When the version served now was published (its `at` in the versions hash), read once per version. */
  private publishedAt?: number;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly maxAgeMs = 500,
  ) {}

  async get(force = false): Promise<string | undefined> {
    if (force || this.value === undefined || Date.now() - this.refreshedAt > this.maxAgeMs) {
      const value = (await this.client.get(currentVersionKey)) ?? undefined;
      if (value !== this.value) this.publishedAt = value === undefined ? undefined : await this.publishedAtOf(value);
      this.value = value;
      this.refreshedAt = Date.now();
    }
    return this.value;
  }

  /** Seconds since the version served now was published; undefined before any. */
  ageSeconds(): number | undefined {
    return this.publishedAt === undefined ? undefined : (Date.now() - this.publishedAt) / 1000;
  }

  private async publishedAtOf(version: string): Promise<number | undefined> {
    // Only for the metric: an unreadable entry leaves the age unknown, never fails a read.
    const state = await this.client.hget(versionsKey, version).catch(() => null);
    const at = /"at":"([^"]+)"/.exec(state ?? "")?.[1];
    return at === undefined || Number.isNaN(Date.parse(at)) ? undefined : Date.parse(at);
  }
}

/** Ids that are numbers in the file come back as numbers. */
const idValue = (v: string) => (/^[0-9]{1,15}$/.test(v) ? Number(v) : v);

export async function readRecommendations(client: Redis | Cluster, current: CurrentVersion, request: HttpRequest): Promise<HttpResponse> {
  if (request.method !== "GET") return text(405, "use GET");
  const wantsJson = /application\/json/i.test(request.headers.accept ?? "");
  const fail = (status: number, message: string) => (wantsJson ? json(status, { error: message }) : text(status, message));
  const path = request.path.replace(/\/+$/, "");

  if (path === "/recommendations/report") {
    const report = await client.get(lastReportKey);
    return report ? json(200, JSON.parse(report)) : fail(404, "no load has finished yet");
  }
  if (path !== "/recommendations" && path !== "") return fail(404, `no route ${request.path}: use /recommendations?userId=1&rank=1`);

  const userId = request.query.get("userId");
  const rank = request.query.get("rank");
  if (userId === null || userId === "") return fail(400, "userId is required, e.g. /recommendations?userId=1&rank=1");
  if (!plainId.test(userId)) return fail(400, `userId "${userId}" is not a valid user id`);
  if (rank !== null && !positiveInteger.test(rank)) return fail(400, `rank "${rank}" must be a whole number from 1`);

  const lookup = async (version: string): Promise<HttpResponse | undefined> => {
    const key = userKey(version, userId);
    if (rank !== null) {
      // One round trip: the rank and whether the user exists at all (same key, so same shard).
      const [[, movieId], [, exists]] = (await client.pipeline().hget(key, rank).exists(key).exec()) as [[null, string | null], [null, number]];
      if (!exists) return undefined;
      if (movieId === null) return fail(404, `There is no number ${rank} recommended movie for user ${userId}`);
      return wantsJson
        ? json(200, { userId: idValue(userId), rank: Number(rank), movieId: idValue(movieId), version })
        : text(200, `The number ${rank} recommended movie for user ${userId} is ${movieId}`);
    }
    const all = await client.hgetall(key);
    const movieIds = Object.keys(all)
      .sort((a, b) => Number(a) - Number(b))
      .map((r) => all[r]);
    if (movieIds.length === 0) return undefined;
    return wantsJson
      ? json(200, { userId: idValue(userId), version, movieIds: movieIds.map(idValue) })
      : text(200, `The recommended movies for user ${userId} are ${movieIds.join(", ")}`);
  };

  const version = (await current.get()) ?? (await current.get(true));
  if (!version) return fail(503, "no recommendations are loaded yet");
  const found = await lookup(version);
  if (found) return found;
  // A miss may mean a newer load has switched the pointer since it was last read: look once more.
  const latest = await current.get(true);
  const retried = latest && latest !== version ? await lookup(latest) : undefined;
  return retried ?? fail(404, `There are no recommended movies for user ${userId}`);
}

/** `readRecommendations`, counted: a request, its time (one Redis round trip, two on a miss), a miss, the served version's age. */
export async function readAndRecord(metrics: PathMetrics, client: Redis | Cluster, current: CurrentVersion, request: HttpRequest): Promise<HttpResponse> {
  const started = performance.now();
  const response = await readRecommendations(client, current, request);
  metrics.add("ReaderRequests", 1);
  metrics.add("ReaderLatency", performance.now() - started);
  if (response.status === 404) metrics.add("ReaderMisses", 1);
  const age = current.ageSeconds();
  if (age !== undefined) metrics.add("VersionAge", age);
  return response;
}
