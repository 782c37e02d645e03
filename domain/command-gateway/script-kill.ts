// The operator's way to stop a runaway script. While one runs the server answers BUSY to everyone;
// SCRIPT KILL and FUNCTION KILL are what it still takes.
import type { RespConnection } from "../redis/resp-connection.js";

export interface ScriptKillOutcome {
  scriptKill: string;
  functionKill: string;
  /** OK from either: something was stopped. NOTBUSY from both: nothing was running. Anything else: it could not be stopped. */
  stopped: boolean | "nothing running";
}

export async function killRunningScript(connection: Pick<RespConnection, "send">): Promise<ScriptKillOutcome> {
  const replies = await connection.send([
    ["SCRIPT", "KILL"],
    ["FUNCTION", "KILL"],
  ]);
  const [scriptKill, functionKill] = replies.map((r) => String(r instanceof Error ? r.message : r));
  const stopped =
    scriptKill === "OK" || functionKill === "OK" ? true : [scriptKill, functionKill].every((a) => a.startsWith("NOTBUSY")) ? "nothing running" : false;
  return { scriptKill, functionKill, stopped };
}
