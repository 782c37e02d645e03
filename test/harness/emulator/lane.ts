// The deploy lane's set-up: whether it can run here, and moto with the front for one describe.
import type { HttpService } from "../../../local/launcher/services.js";
import { runOnlyIfPresent, terraformMissing } from "../terraform.js";
import { startEmulator, type Emulator } from "./front.js";
import { motoServer, startMoto } from "./moto.js";

/** moto and the front, started for one describe and stopped after it. */
export function emulatorFor(hooks: { before: Mocha.HookFunction; after: Mocha.HookFunction }): () => Emulator {
  let moto: HttpService;
  let emulator: Emulator;
  hooks.before(async function () {
    const program = motoServer();
    runOnlyIfPresent(this, "deploy lane", terraformMissing() ?? (typeof program === "string" ? program : undefined));
    moto = await startMoto((program as { program: string }).program);
    emulator = await startEmulator(moto);
  });
  hooks.after(async () => {
    await emulator?.stop();
    await moto?.stop();
  });
  return () => emulator;
}
