// Waiting in tests: poll until a condition holds, or fail saying what was awaited and what was last seen.
import { sleep } from "../../domain/runtime/retry.js";

export { sleep };

export async function eventually<T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(everyMs);
    value = await probe();
  }
  return value;
}

/** A gate a fake holds its callers at until the test opens it. */
export function gate(): { passed: Promise<void>; open: () => void } {
  let open!: () => void;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}
