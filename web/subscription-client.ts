// The console's SUBSCRIBE and PSUBSCRIBE: a stream from the REST endpoint's /subscribe or /psubscribe
// (server-sent events, as @upstash/redis reads them), each event turned into the reply redis-cli prints
// for it (`1) "message" 2) "chat" 3) "hello"`). The stream ends when the signal aborts (Ctrl-C).
import type { Reply } from "./cli-format.js";

const encoder = new TextEncoder();

/** An event's `data:` text as the push Redis sent: kind, names, then the count or the payload (which may hold commas). */
export function replyOfEvent(data: string): Reply | undefined {
  const kind = data.slice(0, data.indexOf(","));
  const fieldsBeforePayload = kind === "pmessage" ? 3 : 2;
  const parts: string[] = [];
  let rest = data;
  for (let i = 0; i < fieldsBeforePayload; i++) {
    const comma = rest.indexOf(",");
    if (comma < 0) return undefined;
    parts.push(rest.slice(0, comma));
    rest = rest.slice(comma + 1);
  }
  const text = (value: string): Reply => ({ type: "STRING", value: encoder.encode(value) });
  const last: Reply = kind === "subscribe" || kind === "psubscribe" ? { type: "INTEGER", value: Number(rest) } : text(rest);
  return { type: "ARRAY", value: [...parts.map(text), last] };
}

/** Splits a growing event stream into complete events: their joined `data:` lines, and their comments. */
export function eventsIn(buffer: string): { events: { data?: string; comments: string[] }[]; rest: string } {
  const blocks = buffer.split("\n\n");
  const rest = blocks.pop() ?? "";
  const events = blocks.map((block) => {
    const lines = block.split("\n");
    const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
    return { data: data.length ? data.join("\n") : undefined, comments: lines.filter((l) => l.startsWith(":")).map((l) => l.slice(1).trim()) };
  });
  return { events, rest };
}

/** Reads `/subscribe/<names>` (or psubscribe) until the stream ends or `signal` aborts; each push and comment as it comes. */
export async function readSubscription(
  restUrl: string,
  token: string,
  kind: "subscribe" | "psubscribe",
  names: string[],
  on: { reply: (reply: Reply) => void; comment: (text: string) => void },
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(`${restUrl.replace(/\/+$/, "")}/${kind}/${names.map(encodeURIComponent).join("/")}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    signal,
  });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `HTTP ${response.status}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const { events, rest } = eventsIn(buffer + decoder.decode(value, { stream: true }));
      buffer = rest;
      for (const event of events) {
        for (const comment of event.comments) if (comment !== "keep-alive") on.comment(comment);
        const reply = event.data === undefined ? undefined : replyOfEvent(event.data);
        if (reply) on.reply(reply);
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
