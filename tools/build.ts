// `make build`: one self-contained, minified ESM bundle (with source map) per Lambda and per program of
// the listener host, and the console page.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleConsoleScript } from "../local/servers/console-script.js";

export interface BundleEntry {
  /** What the bundle table prints. */
  name: string;
  entry: string;
  outfile: string;
}

/**
 * Every `functions/<name>/handler.ts` is a Lambda (`dist/<name>/index.mjs`). `dist/listener/` is what
 * the listener host downloads: the listener, its reconcile command, and the gateway's script-kill
 * (the host is the one place inside the VPC an operator reaches the cache from).
 */
export function bundleEntries(root = "."): BundleEntry[] {
  const functionsDir = join(root, "functions");
  const functions = readdirSync(functionsDir)
    .filter((name) => existsSync(join(functionsDir, name, "handler.ts")))
    .map((name) => ({ name, entry: join(functionsDir, name, "handler.ts"), outfile: join("dist", name, "index.mjs") }));
  const host = [
    { name: "listener", entry: join(root, "listener", "main.ts"), outfile: join("dist", "listener", "index.mjs") },
    { name: "listener reconcile", entry: join(root, "listener", "reconcile.ts"), outfile: join("dist", "listener", "reconcile.mjs") },
    { name: "listener script-kill", entry: join(root, "ops", "script-kill.ts"), outfile: join("dist", "listener", "script-kill.mjs") },
  ];
  return [...functions, ...host.filter((h) => existsSync(h.entry))];
}

async function main() {
  const rows: [string, string][] = [];
  for (const { name, entry, outfile } of bundleEntries()) {
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      minify: true,
      sourcemap: true,
      platform: "node",
      target: "node22",
      format: "esm",
      legalComments: "none",
      // CommonJS dependencies (ioredis, the AWS SDK) call require(); give ESM output one.
      banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
      logLevel: "warning",
    });
    rows.push([name, `${(statSync(outfile).size / 1024).toFixed(1)} KiB`]);
  }
  mkdirSync(join("dist", "web"), { recursive: true });
  writeFileSync(join("dist", "web", "redis-cli.js"), await bundleConsoleScript());
  copyFileSync(join("web", "console.html"), join("dist", "web", "console.html"));
  rows.push(["web (console)", `${(statSync(join("dist", "web", "redis-cli.js")).size / 1024).toFixed(1)} KiB`]);
  const width = Math.max(6, ...rows.map(([n]) => n.length));
  console.log(`${"bundle".padEnd(width)}  size`);
  for (const [name, size] of rows) console.log(`${name.padEnd(width)}  ${size}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
