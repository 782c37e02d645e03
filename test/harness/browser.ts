// Headless Debian Chromium for the console tests (playwright-core drives it; nothing is downloaded).
import { mkdirSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

/** Chromium as the machine has it; screenshots go to test-output/. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync("test-output", { recursive: true });
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}

/** The console's screen, one entry per printed block. */
export const screenLines = (page: Page) => page.$$eval("#screen div", (divs) => divs.map((d) => d.textContent ?? ""));

/** Types a line into the console and waits for its echo and its reply. */
export async function typeLine(page: Page, command: string): Promise<void> {
  const before = (await screenLines(page)).length;
  await page.fill("#command", command);
  await page.press("#command", "Enter");
  await page.waitForFunction((n) => document.querySelectorAll("#screen div").length >= n + 2, before);
}

/** A page on the console's URL, connected with the key its fragment names. */
export async function connectedConsole(browser: Browser, consoleUrl: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(consoleUrl);
  await page.waitForSelector("body.connected");
  return { page, close: () => context.close() };
}
