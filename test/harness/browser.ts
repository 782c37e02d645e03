// Headless Debian Chromium for the console tests (playwright-core drives it; nothing is downloaded).
import { mkdirSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Chromium as the machine has it; screenshots go to test-output/. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync("test-output", { recursive: true });
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}
