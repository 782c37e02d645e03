// What a subscription stream may listen to, and how many may be open. A tenant hears only channels
// under its prefix, and a pattern only when every channel it can match is under the prefix (it starts
// with the prefix, spelled literally). Keyspace notifications name every key written, so nobody hears
// them unless KEYSPACE_CHANNEL_SCOPES names the scope (a tenant then hears its own keys' only). The
// engine user enforces the same again (engine-users.ts): channels by glob, patterns by the filter below.
import { gatewayChannels, hearsKeyspace, type GatewayScope } from "../redis/engine-users.js";
import { escapeGlob, redisGlobMatches } from "../redis/glob.js";
import { BadRequest, CommandRefused } from "./errors.js";
import { decodedSegments } from "./redis-rest.js";
import { patternCost } from "./patterns.js";
import { RateLimited } from "./rate-limits.js";
import type { GatewaySettings } from "./settings.js";

export type SubscribeKind = "subscribe" | "psubscribe";

/** A stream's request: `/subscribe/<channel>[/<channel>...]` or `/psubscribe/<pattern>[/<pattern>...]`. */
export interface SubscribeRequest {
  kind: SubscribeKind;
  names: string[];
}

/** Channels or patterns one stream may name. */
export const maxNamesPerStream = 32;

/** The stream a path asks for, or undefined when the path is not a subscription. */
export function subscribeRoute(path: string): SubscribeRequest | undefined {
  const [kind, ...segments] = path.split("/").filter(Boolean);
  if (kind?.toLowerCase() !== "subscribe" && kind?.toLowerCase() !== "psubscribe") return undefined;
  const names = decodedSegments(segments);
  if (names.length === 0) throw new BadRequest(`/${kind} needs at least one ${kind === "subscribe" ? "channel" : "pattern"}: /${kind}/<name>`);
  if (names.length > maxNamesPerStream) throw new BadRequest(`a stream may name at most ${maxNamesPerStream} channels or patterns, not ${names.length}`);
  return { kind: kind.toLowerCase() as SubscribeKind, names };
}

const keyspaceChannel = /^__key(space|event)@/;
/** A tenant's keyspace channel: `__keyspace@<db>__:` then one of its keys. */
const tenantKeyspace = /^__keyspace@[0-9]+__:/;

const refused = (message: string) => new CommandRefused(`ERR ${message}`, "subscription");

/** Throws CommandRefused naming the first channel or pattern `scope` may not hear. */
export function checkSubscription(request: SubscribeRequest, scope: GatewayScope, settings: Pick<GatewaySettings, "keyspaceChannelScopes">): void {
  const keyspace = hearsKeyspace(scope, settings.keyspaceChannelScopes);
  for (const name of request.names) {
    if (request.kind === "psubscribe") {
      const cost = patternCost(name);
      if ("refused" in cost) throw refused(`pattern "${name.slice(0, 100)}" refused: ${cost.refused}`);
    }
    const what = request.kind === "subscribe" ? "channel" : "pattern";
    const isKeyspace = keyspaceChannel.test(name);
    if (isKeyspace && !keyspace)
      throw refused(
        `${what} "${name.slice(0, 100)}" is a keyspace notification channel (it names every key written): KEYSPACE_CHANNEL_SCOPES does not allow this credential's scope`,
      );
    if (scope.prefix === undefined) continue;
    const rest = isKeyspace && tenantKeyspace.test(name) ? name.replace(tenantKeyspace, "") : name;
    const confined = request.kind === "subscribe" ? rest.startsWith(scope.prefix) : rest.startsWith(escapeGlob(scope.prefix));
    if (!confined)
      throw refused(
        request.kind === "subscribe"
          ? `channel "${name.slice(0, 100)}" is outside this credential's prefix "${scope.prefix}"`
          : `pattern "${name.slice(0, 100)}" could match channels outside this credential's prefix "${scope.prefix}": it must start with the prefix, spelled literally`,
      );
  }
}

/**
 * What the stream's own connection subscribes to in Redis: channels as asked (the engine checks each by
 * glob); for patterns, the scope's own channel globs, which the engine admits (it compares a pattern
 * with its user's globs literally), its messages then filtered by the patterns asked for.
 */
export function engineSubscriptions(request: SubscribeRequest, scope: GatewayScope, settings: Pick<GatewaySettings, "keyspaceChannelScopes">) {
  if (request.kind === "subscribe") return { channels: request.names, patterns: [] };
  return { channels: [], patterns: gatewayChannels(scope, settings.keyspaceChannelScopes) };
}

/** For the patterns asked for, those a channel matches (compared byte for byte, as Redis does; each pattern's bytes read once). */
export function patternsMatching(patterns: string[]): (channel: Buffer) => string[] {
  const asBytes = patterns.map((pattern) => [pattern, Buffer.from(pattern).toString("latin1")] as const);
  return (channel) => {
    const text = channel.toString("latin1");
    return asBytes.filter(([, bytes]) => redisGlobMatches(bytes, text)).map(([pattern]) => pattern);
  };
}

/** Streams open on this process, per caller and in all: each is a Redis connection held for minutes. */
export class StreamLimits {
  private readonly byCaller = new Map<string, number>();
  private total = 0;

  constructor(private readonly settings: Pick<GatewaySettings, "subscriptionsPerCaller" | "subscriptionsPerProcess">) {}

  get open(): number {
    return this.total;
  }

  /** Counts a stream in, or throws RateLimited naming the limit; the returned function counts it out (once). */
  admit(caller: string): () => void {
    const { subscriptionsPerCaller, subscriptionsPerProcess } = this.settings;
    const held = this.byCaller.get(caller) ?? 0;
    if (held >= subscriptionsPerCaller)
      throw new RateLimited(`ERR this credential holds ${held} subscription streams, the limit per credential (SUBSCRIPTIONS_PER_CALLER); close one first`, 5);
    if (this.total >= subscriptionsPerProcess)
      throw new RateLimited(`ERR this gateway process holds ${this.total} subscription streams, its limit (SUBSCRIPTIONS_PER_PROCESS); retry later`, 5);
    this.byCaller.set(caller, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byCaller.get(caller) ?? 1) - 1;
      if (left) this.byCaller.set(caller, left);
      else this.byCaller.delete(caller);
    };
  }
}
