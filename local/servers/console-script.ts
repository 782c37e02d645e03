// The console page's script, bundled from web/: served by the local console (on request) and copied
// into `dist/web/` by `make build`.
import { build } from "esbuild";
import { join } from "node:path";

export async function bundleConsoleScript(): Promise<string> {
  const result = await build({ entryPoints: [join("web", "redis-cli.ts")], bundle: true, minify: true, format: "esm", target: "es2020", write: false });
  return result.outputFiles[0].text;
}
