// moto 5 (`moto_server`, Python): the AWS API emulator the deploy lane applies the stack against.
// Found as the provider mirror is (tools/moto-server.sh, run by the Makefile), never at a path written here.
import { spawn, spawnSync } from "node:child_process";
import { freePort, waitFor, type HttpService } from "../../../local/launcher/services.js";

/** The `moto_server` program `MOTO_SERVER` names, or why there is none. */
export function motoServer(): { program: string } | string {
  const program = process.env.MOTO_SERVER;
  if (!program) return "MOTO_SERVER is not set (make test-deploy looks for moto_server, the AWS API emulator moto 5)";
  const version = spawnSync(program, ["--help"], { encoding: "utf8" });
  return version.status === 0 ? { program } : `MOTO_SERVER ${program} does not run: ${version.stderr || version.error?.message}`;
}

/** moto on a loopback port, plain HTTP: the emulator's TLS front (front.ts) is what Terraform talks to. */
export async function startMoto(program: string): Promise<HttpService> {
  const port = await freePort();
  // AWS managed policies (the API Gateway logging role attaches one) exist in every account; moto loads them on request.
  const env = { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: "true" };
  const child = spawn(program, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"], env });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  let exited = false;
  child.once("exit", () => (exited = true));
  const endpoint = `http://127.0.0.1:${port}`;
  // moto's own API answers once the server is up: a state to wait for, not a time.
  await waitFor(
    "moto_server",
    async () => {
      if (exited) throw new Error(`moto_server exited at start:\n${output}`);
      return (await fetch(`${endpoint}/moto-api/data.json`)).ok ? true : undefined;
    },
    60_000,
  );
  return {
    endpoint,
    stop: async () => {
      if (exited) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await gone;
    },
  };
}
