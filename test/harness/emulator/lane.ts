// The deploy lane's set-up: whether it can run here, and moto with the front for one describe.
import type { HttpService } from "../../../local/launcher/services.js";
import { terraformMissing } from "../terraform.js";
import { startEmulator, type Emulator } from "./front.js";
import { motoServer, startMoto } from "./moto.js";

/** Stops a lane that cannot run here: one line locally, a failure in CI (CI=true). */
export function laneCannotRun(this: Mocha.Context): void {
  const moto = motoServer();
  const missing = terraformMissing() ?? (typeof moto === "string" ? moto : undefined);
  if (!missing) return;
  console.log(`      deploy lane not run: ${missing}`);
  if (process.env.CI === "true") throw new Error(`CI=true and the deploy lane cannot run: ${missing}`);
  this.skip();
}

/** moto and the front, started for one describe and stopped after it. */
export function emulatorFor(hooks: { before: Mocha.HookFunction; after: Mocha.HookFunction }): () => Emulator {
  let moto: HttpService;
  let emulator: Emulator;
  hooks.before(async function () {
    laneCannotRun.call(this);
    moto = await startMoto((motoServer() as { program: string }).program);
    emulator = await startEmulator(moto);
  });
  hooks.after(async () => {
    await emulator?.stop();
    await moto?.stop();
  });
  return () => emulator;
}
