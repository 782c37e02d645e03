// `make build`: one self-contained, minified ESM bundle (with source map) per function and for the listener.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface BundleEntry {
  name: string;
  entry: string;
}

/** Every `functions/<name>/handler.ts` is a Lambda; `listener/main.ts` is the EC2 listener. */
export function bundleEntries(root = "."): BundleEntry[] {
  const functionsDir = join(root, "functions");
  const functions = readdirSync(functionsDir)
    .filter((name) => existsSync(join(functionsDir, name, "handler.ts")))
    .map((name) => ({ name, entry: join(functionsDir, name, "handler.ts") }));
  const listener = join(root, "listener", "main.ts");
  return existsSync(listener) ? [...functions, { name: "listener", entry: listener }] : functions;
}

export const bundlePath = (name: string) => join("dist", name, "index.mjs");

/** The console page's script, for the local server (on request) and for `dist/web/` (a static copy). */
export async function bundleConsoleScript(): Promise<string> {
  const result = await build({ entryPoints: [join("web", "redis-cli.ts")], bundle: true, minify: true, format: "esm", target: "es2020", write: false });
  return result.outputFiles[0].text;
}

async function main() {
  const entries = bundleEntries();
  const rows: [string, string][] = [];
  for (const { name, entry } of entries) {
    const outfile = bundlePath(name);
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
