import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

// The import directions docs/architecture.md draws, checked on every source file.
const roots = ["functions", "listener", "local", "infra", "bench", "tools", "web", "test"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : sourceFiles(path);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every repo-relative path a file imports (packages and node: built-ins left out). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2]);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => normalize(join(dirname(file), s)));
}

/** `functions/<name>/` folders with a handler.ts: each is one Lambda. */
const lambdaFolders = readdirSync("functions").filter((name) => existsSync(join("functions", name, "handler.ts")));
const lambdaOf = (path: string) => lambdaFolders.find((name) => path.startsWith(`functions/${name}/`));
const top = (path: string) => path.split("/")[0];

interface Rule {
  name: string;
  applies: (file: string) => boolean;
  forbids: (target: string, file: string) => boolean;
}

const rules: Rule[] = [
  {
    name: "functions never import local/, bench/, infra/, tools/, test/ or the listener",
    applies: (f) => top(f) === "functions",
    forbids: (t) => ["local", "bench", "infra", "tools", "test", "listener"].includes(top(t)),
  },
  {
    name: "a Lambda folder imports no other Lambda folder (shared code lives in a data-path folder)",
    applies: (f) => lambdaOf(f) !== undefined,
    forbids: (t, f) => lambdaOf(t) !== undefined && lambdaOf(t) !== lambdaOf(f),
  },
  {
    name: "shared and data-path folders import no Lambda folder",
    applies: (f) => top(f) === "functions" && lambdaOf(f) === undefined,
    forbids: (t) => lambdaOf(t) !== undefined,
  },
  {
    name: "the listener never imports a Lambda folder, local/, bench/, infra/ or tools/",
    applies: (f) => top(f) === "listener",
    forbids: (t) => lambdaOf(t) !== undefined || ["local", "bench", "infra", "tools", "test"].includes(top(t)),
  },
  {
    name: "local/ never imports bench/, infra/ or test/",
    applies: (f) => top(f) === "local",
    forbids: (t) => ["bench", "infra", "test"].includes(top(t)),
  },
  {
    name: "infra/ imports only infra/ and functions/shared/ (the typed environment reader; it bundles dist/ and reads schema/ as files)",
    applies: (f) => top(f) === "infra",
    forbids: (t) => top(t) !== "infra" && !t.startsWith("functions/shared/"),
  },
  {
    name: "web/ (the browser page) imports only web/ and the pure COMMAND DOCS parser and grammar it shares with the gateway",
    applies: (f) => top(f) === "web",
    forbids: (t) => top(t) !== "web" && !["functions/shared/redis/command-docs.js", "functions/shared/redis/command-grammar.js"].includes(t),
  },
  {
    name: "the unit lane (test/unit/) imports no service launcher, local stack or integration harness (only the AWS API shapes)",
    applies: (f) => f.startsWith("test/unit/"),
    forbids: (t) =>
      ["local/services.js", "local/stack.js", "local/dev.js", "local/change-feed.js"].includes(t) ||
      (t.startsWith("test/") && !t.startsWith("test/unit/") && t !== "test/harness/aws-shapes.js"),
  },
];

describe("architecture: import directions", () => {
  const files = roots.filter((r) => existsSync(r)).flatMap(sourceFiles);
  const edges = files.flatMap((file) => importsOf(file).map((target) => ({ file, target })));

  it("finds the imports it checks", () => {
    expect(files.length).to.be.greaterThan(50);
    expect(edges.some((e) => e.file === join("listener", "listener.ts") && e.target === join("listener", "journal.js"))).to.equal(true);
  });

  for (const rule of rules) {
    it(rule.name, () => {
      const broken = edges.filter(({ file, target }) => rule.applies(file) && rule.forbids(target, file)).map((e) => `${e.file} -> ${relative(".", e.target)}`);
      expect(broken).to.deep.equal([]);
    });
  }

  it("each rule catches a violation (so none passes vacuously)", () => {
    const violations: [string, string][] = [
      ["functions/shared/http.ts", "local/http.js"],
      ["functions/redis-rest/config.ts", "functions/command-api/config.js"],
      ["functions/command-gateway/gateway.ts", "functions/command-api/resolver.js"],
      ["listener/sinks.ts", "functions/change-writer/handler.js"],
      ["local/stack.ts", "bench/table.js"],
      ["infra/main.ts", "local/stack.js"],
      ["web/redis-cli.ts", "functions/shared/http.js"],
      ["test/unit/listener/shards.test.ts", "local/services.js"],
    ];
    rules.forEach((rule, i) => {
      const [file, target] = violations[i];
      expect(rule.applies(file) && rule.forbids(target, file), rule.name).to.equal(true);
    });
  });

  it("the unit lane mirrors the source tree: test/unit/<path>.test.ts tests <path>.ts", () => {
    const mirrored = (test: string) => test.replace(/^test\/unit\//, "").replace(/\.test\.ts$/, ".ts");
    const unit = files.filter((f) => f.startsWith("test/unit/") && f.endsWith(".test.ts") && f !== "test/unit/no-services.test.ts");
    expect(unit.length).to.be.greaterThan(5);
    expect(unit.filter((f) => !existsSync(mirrored(f)))).to.deep.equal([]);
    // A test named for no source file would be caught:
    expect(existsSync(mirrored("test/unit/listener/no-such-module.test.ts"))).to.equal(false);
  });

  it("no source file is over 300 lines (generated data aside)", () => {
    const long = files
      .map((f) => [f, readFileSync(f, "utf8").split("\n").length] as const)
      .filter(([, lines]) => lines > 300)
      .map(([f, lines]) => `${f}: ${lines} lines`);
    expect(long).to.deep.equal([]);
  });
});
