// Raw pipeline replies -> each protocol's shape. Values arrive as Buffers (bulk and status strings),
// strings (integers: no precision lost past 2^53), null and arrays.
import type { RawReply } from "./batch.js";

export type ReplyType = "STATUS" | "STRING" | "INTEGER" | "NIL" | "ARRAY" | "ERROR";
export interface TypedReply {
  type: ReplyType;
  value: unknown;
  error?: string;
}

// RESP2 gives status and bulk strings the same shape once parsed; these commands answer with a status
// (redis-cli prints it bare, `OK`, where a bulk string is quoted). Presentation only, never a safety rule.
const statusCommands = new Set([
  "set",
  "mset",
  "hmset",
  "type",
  "ping",
  "rename",
  "lset",
  "ltrim",
  "pfmerge",
  "setex",
  "psetex",
  "restore",
  "xsetid",
  "xgroup|create",
  "xgroup|setid",
  "script|flush",
  "script|kill",
  "function|flush",
  "function|restore",
  "function|delete",
  "flushall",
  "flushdb",
  "select",
  "swapdb",
  "quit",
  "auth",
  "save",
  "bgsave",
  "watch",
  "unwatch",
  "multi",
  "discard",
  "xtrim",
]);

const integer = (v: string | number) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : String(v);
};

/** How a typed reply carries bytes: as text (lossy where they are not UTF-8), or as base64 of the bytes. */
export type ReplyEncoding = "TEXT" | "BASE64";

function typed(value: unknown, status: boolean, encoding: ReplyEncoding): TypedReply {
  if (value === null || value === undefined) return { type: "NIL", value: null };
  if (Buffer.isBuffer(value)) {
    const text = value.toString(encoding === "BASE64" ? "base64" : "utf8");
    return { type: status ? "STATUS" : "STRING", value: text };
  }
  if (typeof value === "string" || typeof value === "number") return { type: "INTEGER", value: integer(value) };
  if (value instanceof Error) return { type: "ERROR", value: null, error: value.message };
  if (Array.isArray(value)) return { type: "ARRAY", value: value.map((v) => typed(v, false, encoding)) };
  return { type: "STRING", value: String(value) };
}

/** Whether a command's string reply is a status; `name` as classified (`set`, `xgroup|create`). */
export const isStatusReply = (name: string, args: string[]) =>
  // `SET k v GET` answers with the old value, a bulk string.
  statusCommands.has(name) && !(name === "set" && args.some((a) => a.toLowerCase() === "get"));

/** The typed reply of the GraphQL API. */
export function toTypedReply(reply: RawReply, status: boolean, encoding: ReplyEncoding = "TEXT"): TypedReply {
  if (!reply.ok) return { type: "ERROR", value: null, error: reply.error };
  return typed(reply.value, status, encoding);
}

/** Upstash REST `result`: strings base64-encoded when asked, except the status `OK` (the client decodes the rest). */
export function toUpstashResult(value: unknown, base64: boolean, status: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    if (status && value.toString("utf8") === "OK") return "OK";
    return base64 ? value.toString("base64") : value.toString("utf8");
  }
  if (typeof value === "string" || typeof value === "number") return integer(value);
  if (Array.isArray(value)) return value.map((v) => toUpstashResult(v, base64, false));
  if (value instanceof Error) return value.message;
  return value;
}

/** `Upstash-Response-Format: resp2`: the reply's RESP2 bytes, as a TCP client would read them (a status where the command answers one). */
export function toResp2(reply: RawReply, status: boolean): Buffer {
  if (!reply.ok) return Buffer.from(`-${reply.error.replace(/[\r\n]+/g, " ")}\r\n`);
  const parts: Buffer[] = [];
  const add = (value: unknown, asStatus: boolean) => {
    if (value === null || value === undefined) parts.push(Buffer.from("$-1\r\n"));
    else if (Buffer.isBuffer(value)) {
      if (asStatus) parts.push(Buffer.from("+"), value, Buffer.from("\r\n"));
      else parts.push(Buffer.from(`$${value.length}\r\n`), value, Buffer.from("\r\n"));
    } else if (typeof value === "string" || typeof value === "number") parts.push(Buffer.from(`:${value}\r\n`));
    else if (value instanceof Error) parts.push(Buffer.from(`-${value.message.replace(/[\r\n]+/g, " ")}\r\n`));
    else if (Array.isArray(value)) {
      parts.push(Buffer.from(`*${value.length}\r\n`));
      for (const item of value) add(item, false);
    }
  };
  add(reply.value, status);
  return Buffer.concat(parts);
}
