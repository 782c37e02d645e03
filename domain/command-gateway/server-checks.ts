// The questions the cost rules ask the server before a command runs (sizes by each key's own type,
// a COPY source's exact memory, the strings a read returns), and the request's budget they charge:
// every command's walk, copy and sized reply comes out of one allowance for the whole request.
import type { RespReply } from "../redis/resp-connection.js";
import { CommandRefused, type RefusalReason } from "./errors.js";
import type { GatewaySettings } from "./settings.js";

/**
 * What is left of the request's budget: bytes Redis may copy (COPY's sources, exact sizes), elements
 * it may touch (every command's walk, summed), and reply bytes (for the replies sized before they run).
 */
export interface CopyAllowance {
  copyBytes: number;
  workElements: number;
  replyBytes: number;
  /** Reply bytes the checks before it already sized: summed, so many reads cannot each pass alone. */
  sizedReplyBytes: number;
  readonly settings: Pick<GatewaySettings, "maxCopyBytes" | "maxWorkElements" | "maxReplyBytes">;
}

/** A question for the server asked before the command runs, and the refusal its answer may mean. */
export interface ServerCheck {
  probes: string[][];
  /** The reason to refuse, or undefined; `replies` answer `probes`, in order. */
  verdict(replies: RespReply[]): string | undefined;
}

export interface CostContext {
  name: string;
  settings: GatewaySettings;
  allowance: CopyAllowance;
}

/** `reason`: a cost rule's refusal unless said otherwise. */
export function refusal(name: string, why: string, reason: RefusalReason = "cost"): CommandRefused {
  return new CommandRefused(`ERR command '${name}' is not allowed: ${why}`, reason);
}

/** The size command of each kind of value: the key's TYPE picks the reply that counts. */
const sizeByType: Record<string, string> = { list: "LLEN", set: "SCARD", zset: "ZCARD", hash: "HLEN", stream: "XLEN", string: "STRLEN" };
const sizeCommands = Object.values(sizeByType);

/** A key's size probes: its TYPE, then every kind's size command (all O(1); the wrong kinds answer WRONGTYPE). */
export const sizeProbes = (key: string) => [["TYPE", key], ...sizeCommands.map((command) => [command, key])];

/** A key's TYPE as its probe answered it. */
const typeOf = (replies: RespReply[]) => (Buffer.isBuffer(replies[0]) ? replies[0].toString("latin1") : String(replies[0]));

/** The size of the key `replies` answer (sizeProbes' order); a reply that is an error, or a kind with no size command, is a reason to refuse. */
export function sizeFrom(key: string, replies: RespReply[]): number | string {
  const type = typeOf(replies);
  if (type === "none") return 0;
  const at = sizeCommands.indexOf(sizeByType[type] ?? "");
  if (at < 0) return `'${key.slice(0, 64)}' is a ${type.slice(0, 32)}, whose size the gateway cannot measure`;
  const size = replies[1 + at];
  return typeof size === "string" ? Number(size) : `the size of '${key.slice(0, 64)}' could not be read (${String(size).slice(0, 80)})`;
}

/** Charges `elements` to the request's work: the walks of all its commands together are bounded, not each alone. */
export function chargeWork(ctx: CostContext, elements: number): string | undefined {
  const { allowance } = ctx;
  if (elements > allowance.workElements) {
    const left = allowance.workElements === allowance.settings.maxWorkElements ? "the limit" : `the ${allowance.workElements} left of the limit`;
    return `it touches ${elements} elements, over ${left} of ${allowance.settings.maxWorkElements} a request may touch`;
  }
  allowance.workElements -= elements;
  return undefined;
}

/** Refuses now what the arguments alone decide against the request's work. */
export function chargeWorkNow(ctx: CostContext, elements: number): void {
  const why = chargeWork(ctx, elements);
  if (why) throw refusal(ctx.name, why);
}

/**
 * The keys' sizes (each by its own type), summed and times `weight`, at most `max` (`elements`: a string
 * counts one, not its bytes), and the elements charged to the request's work.
 */
export function sizes(ctx: CostContext, keys: string[], max: number, what: string, options: { elements?: true; weight?: number } = {}): ServerCheck {
  const per = 1 + sizeCommands.length;
  return {
    probes: keys.flatMap(sizeProbes),
    verdict: (replies) => {
      const each: number[] = [];
      let elements = 0;
      for (let i = 0; i < keys.length; i++) {
        const probed = replies.slice(i * per, (i + 1) * per);
        const size = sizeFrom(keys[i], probed);
        if (typeof size === "string") return size;
        each.push(size);
        // A string's size is its bytes (bounded by the byte limits): as work it is one element.
        elements += typeOf(probed) === "string" ? 1 : size;
      }
      const weight = options.weight ?? 1;
      const total = (options.elements ? elements : each.reduce((a, b) => a + b, 0)) * weight;
      return total > max ? `${what} is ${total}, over the limit of ${max}` : chargeWork(ctx, elements * weight);
    },
  };
}

/**
 * COPY: the source's memory, exactly (MEMORY USAGE with every element sampled, at most the request's
 * work: a larger source is refused by its size anyway), against what is left of the request's copy allowance.
 */
export function copyCheck(ctx: CostContext, source: string): ServerCheck {
  const size = sizes(ctx, [source], ctx.settings.maxWorkElements, `the size of '${source.slice(0, 64)}' (elements a copy walks)`, { elements: true });
  return {
    probes: [...size.probes, ["MEMORY", "USAGE", source, "SAMPLES", String(ctx.settings.maxWorkElements)]],
    verdict: (replies) => {
      const why = size.verdict(replies.slice(0, -1));
      if (why) return why;
      const usage = replies[replies.length - 1];
      const bytes = typeof usage === "string" ? Number(usage) : 0;
      if (bytes > ctx.allowance.copyBytes) {
        const left = ctx.allowance.copyBytes === ctx.allowance.settings.maxCopyBytes ? "the limit" : `the ${ctx.allowance.copyBytes} left of the limit`;
        return `copying '${source.slice(0, 64)}' (${bytes} bytes) exceeds ${left} of ${ctx.allowance.settings.maxCopyBytes} bytes a request may copy`;
      }
      ctx.allowance.copyBytes -= bytes;
      return undefined;
    },
  };
}

/**
 * Strings read whole (GET, MGET, with a key named any number of times): their bytes are the reply, so
 * they are summed, over every such read of the request, before anything runs. A reply past the request's reply bytes would be dropped by the
 * gateway, but Redis would have built it whole in the shared connection's output buffer first.
 */
export function replyBytesCheck(ctx: CostContext, keys: string[]): ServerCheck {
  return {
    probes: keys.map((key) => ["STRLEN", key]),
    verdict: (replies) => {
      // A non-string answers WRONGTYPE here and replies with an error of its own: nothing large.
      const bytes = replies.reduce<number>((sum, r) => sum + (typeof r === "string" ? Number(r) + 16 : 16), 0);
      const { allowance } = ctx;
      const left = allowance.replyBytes - allowance.sizedReplyBytes;
      if (bytes <= left) {
        allowance.sizedReplyBytes += bytes;
        return undefined;
      }
      const what = left === allowance.settings.maxReplyBytes ? "the limit" : `the ${left} left of the limit`;
      return `the values read are ${bytes} bytes, over ${what} of ${allowance.settings.maxReplyBytes} reply bytes`;
    },
  };
}
