// Running the repository's command-line tools as an operator does, in a child process.
import { spawn, type ChildProcess } from "node:child_process";

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node --import tsx <args>`. Not spawnSync: the local services (dynalite, s3rver) answer from this
 * process, whose event loop must keep running.
 */
export const runTsx = (args: string[]): Promise<CliRun> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });

/** SIGKILL, as a lost instance dies, and wait until the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
