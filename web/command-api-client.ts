// The console's client of the GraphQL command API: commands in one request, replies with their bytes.
import type { Reply } from "./cli-format.js";

const runMutation = `mutation Run($commands: [[String!]!]!) { run(commands: $commands, encoding: BASE64) { type value error } }`;
const readQuery = `query Read($commands: [[String!]!]!) { read(commands: $commands, encoding: BASE64) { type value error } }`;

/** The API could not be reached at all (the stack is down, a wrong URL): a sentence, not "Failed to fetch". */
export class Unreachable extends Error {
  override name = "Unreachable";
}

const base64Bytes = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** A reply from the API: STRING and STATUS values arrive as base64 of their bytes and are kept as bytes. */
function fromApi(reply: Reply): Reply {
  if (reply.type === "ARRAY") return { ...reply, value: (reply.value as Reply[]).map(fromApi) };
  if (reply.type === "STRING" || reply.type === "STATUS") return { ...reply, value: base64Bytes(String(reply.value)) };
  return reply;
}

/** Sends commands as one mutation (or, `read`, one query); replies come back with `value` parsed from AWSJSON, strings as bytes. */
export async function sendCommands(url: string, apiKey: string, commands: string[][], read = false): Promise<Reply[]> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    body: JSON.stringify({ query: read ? readQuery : runMutation, variables: { commands } }),
  }).catch((error: unknown) => {
    throw new Unreachable(`could not reach ${url} (${(error as Error).message}): is the stack running (make dev), and is the URL right?`);
  });
  const body = (await response.json().catch(() => ({}))) as { data?: Record<string, Reply[] | undefined>; errors?: { message: string }[] };
  const replies = body.data?.[read ? "read" : "run"];
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  if (!response.ok || !replies) throw new Error(`HTTP ${response.status}`);
  return replies.map((r) => fromApi({ ...r, value: typeof r.value === "string" ? (JSON.parse(r.value) as unknown) : r.value }));
}
