import { expect } from "chai";
import ts from "typescript";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

// The homes and import directions docs/architecture.md draws, checked on every source file.
const roots = ["domain", "functions", "listener", "ops", "local", "infra", "bench", "tools", "web", "test"];

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

const top = (path: string) => path.split("/")[0];
/** `functions/<name>/`: each is one Lambda. */
const lambdaOf = (path: string) => (top(path) === "functions" ? path.split("/")[1] : undefined);
/** `local/<job>/`: dev (the stack), aws (stand-ins), servers (around the cores), launcher (real services). */
const localJob = (path: string) => (top(path) === "local" ? path.split("/")[1] : undefined);

interface Rule {
  name: string;
  applies: (file: string) => boolean;
  forbids: (target: string, file: string) => boolean;
}

const rules: Rule[] = [
  {
    name: "domain/ imports only domain/: no deployable, local/, infra/, tools/, bench/ or test/",
    applies: (f) => top(f) === "domain",
    forbids: (t) => top(t) !== "domain",
  },
  {
    name: "a Lambda folder imports only domain/ and its own folder (never another Lambda)",
    applies: (f) => lambdaOf(f) !== undefined,
    forbids: (t, f) => top(t) !== "domain" && lambdaOf(t) !== lambdaOf(f),
  },
  {
    name: "the listener imports only domain/ and listener/",
    applies: (f) => top(f) === "listener",
    forbids: (t) => !["domain", "listener"].includes(top(t)),
  },
  {
    name: "ops/ (the operator's programs) imports only domain/",
    applies: (f) => top(f) === "ops",
    forbids: (t) => top(t) !== "domain",
  },
  {
    name: "local/ imports local/, domain/ and a Lambda's config.ts (its settings as AWS sets them): never a handler, tools/, infra/, bench/ or test/",
    applies: (f) => top(f) === "local",
    forbids: (t) => !["local", "domain"].includes(top(t)) && !(lambdaOf(t) !== undefined && t.endsWith("/config.js")),
  },
  {
    name: "local/'s stand-ins, servers and launcher never import the dev stack (local/dev/ composes them)",
    applies: (f) => localJob(f) !== undefined && localJob(f) !== "dev",
    forbids: (t) => localJob(t) === "dev",
  },
  {
    name: "the service launcher (local/launcher/) imports only itself and domain/",
    applies: (f) => localJob(f) === "launcher",
    forbids: (t) => localJob(t) !== "launcher" && top(t) !== "domain",
  },
  {
    name: "infra/ imports only infra/ and domain/ (the settings, engine users and metrics it deploys; it bundles dist/ and reads schema/ as files)",
    applies: (f) => top(f) === "infra",
    forbids: (t) => !["infra", "domain"].includes(top(t)),
  },
  {
    name: "the constructs never import the policy suite (both read shared names from infra/conventions.ts)",
    applies: (f) => f.startsWith("infra/constructs/") || f.startsWith("infra/stacks/"),
    forbids: (t) => t.startsWith("infra/policy/"),
  },
  {
    name: "tools/ never imports bench/ or test/",
    applies: (f) => top(f) === "tools",
    forbids: (t) => ["bench", "test"].includes(top(t)),
  },
  {
    name: "web/ (the browser page) imports only web/ and the pure COMMAND DOCS parser and grammar it shares with the gateway",
    applies: (f) => top(f) === "web",
    forbids: (t) => top(t) !== "web" && !["domain/redis/command-docs.js", "domain/redis/command-grammar.js"].includes(t),
  },
  {
    name: "the unit lane (test/unit/) imports no service launcher, dev stack or integration harness (only the AWS API shapes)",
    applies: (f) => f.startsWith("test/unit/"),
    forbids: (t) =>
      ["launcher", "dev"].includes(localJob(t) ?? "") || (t.startsWith("test/") && !t.startsWith("test/unit/") && t !== "test/harness/aws-shapes.js"),
  },
];

describe("architecture: import directions", () => {
  const files = roots.filter((r) => existsSync(r)).flatMap(sourceFiles);
  const edges = files.flatMap((file) => importsOf(file).map((target) => ({ file, target })));

  it("finds the imports it checks", () => {
    expect(files.length).to.be.greaterThan(50);
    expect(edges.some((e) => e.file === "domain/change-feed/capture/listener.ts" && e.target === "domain/change-feed/capture/journal.js")).to.equal(true);
  });

  for (const rule of rules) {
    it(rule.name, () => {
      const broken = edges.filter(({ file, target }) => rule.applies(file) && rule.forbids(target, file)).map((e) => `${e.file} -> ${relative(".", e.target)}`);
      expect(broken).to.deep.equal([]);
    });
  }

  it("each rule catches a violation (so none passes vacuously)", () => {
    const violations: [string, string][] = [
      ["domain/change-feed/writer.ts", "functions/change-writer/config.js"],
      ["functions/redis-rest/config.ts", "functions/command-api/config.js"],
      ["listener/main.ts", "functions/change-writer/handler.js"],
      ["ops/script-kill.ts", "listener/host.js"],
      ["local/dev/stack.ts", "tools/build.js"],
      ["local/servers/feature-server.ts", "local/dev/stack.js"],
      ["local/launcher/services.ts", "local/aws/tcp-forwarder.js"],
      ["infra/main.ts", "local/dev/stack.js"],
      ["infra/constructs/network.ts", "infra/policy/deploy-rules.js"],
      ["tools/build.ts", "test/harness/cli.js"],
      ["web/redis-cli.ts", "domain/runtime/http.js"],
      ["test/unit/domain/change-feed/capture/shards.test.ts", "local/launcher/services.js"],
    ];
    expect(violations.length).to.equal(rules.length);
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

/** The functions in `text` longer than `max` lines, but for a declarative table or generated text: a body that only declares constants and returns a literal. */
export function longFunctions(file: string, text: string, max = 60): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const line = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const literal = (e: ts.Expression | undefined): boolean =>
    e !== undefined &&
    (ts.isTemplateExpression(e) ||
      ts.isNoSubstitutionTemplateLiteral(e) ||
      ts.isArrayLiteralExpression(e) ||
      ts.isObjectLiteralExpression(e) ||
      (ts.isParenthesizedExpression(e) && literal(e.expression)));
  const declarative = (body: ts.ConciseBody) =>
    ts.isBlock(body)
      ? body.statements.every((st, i, all) => (i === all.length - 1 ? ts.isReturnStatement(st) && literal(st.expression) : ts.isVariableStatement(st)))
      : literal(body);
  const long: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const body = node.body as ts.ConciseBody;
      const lines = line(body.getEnd()) - line(node.getStart()) + 1;
      const name = (node as ts.FunctionDeclaration).name?.getText() ?? ts.SyntaxKind[node.kind];
      if (lines > max && !declarative(body)) long.push(`${file}:${line(node.getStart()) + 1} ${name}: ${lines} lines`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return long;
}

describe("architecture: homes and sizes", () => {
  const files = roots.filter((r) => existsSync(r)).flatMap(sourceFiles);

  it("a Lambda folder holds its entry point and its settings only (handler.ts, config.ts); its core lives in domain/", () => {
    const extra = (names: string[]) => names.filter((n) => !["handler.ts", "config.ts"].includes(n));
    const folders = readdirSync("functions");
    expect(folders.length).to.be.at.least(6);
    expect(folders.flatMap((name) => extra(readdirSync(join("functions", name))).map((f) => `functions/${name}/${f}`))).to.deep.equal([]);
    expect(extra(["handler.ts", "config.ts", "resolver.ts"])).to.deep.equal(["resolver.ts"]);
  });

  it("only the deployables' entry points read the command line or exit the process: domain/ never does", () => {
    const exits = (text: string) => /process\.(argv|exit)\b/.test(text);
    expect(files.filter((f) => top(f) === "domain" && exits(readFileSync(f, "utf8")))).to.deep.equal([]);
    expect(files.some((f) => f === "listener/reconcile.ts" && exits(readFileSync(f, "utf8")))).to.equal(true);
    expect(exits("if (bad) process.exit(2);")).to.equal(true);
  });

  const unitTestOf = (source: string) => `test/unit/${source.replace(/\.ts$/, ".test.ts")}`;

  it("every domain module has a unit test of its own", () => {
    const domain = files.filter((f) => top(f) === "domain");
    expect(domain.length).to.be.greaterThan(50);
    expect(domain.filter((f) => !existsSync(unitTestOf(f)))).to.deep.equal([]);
    expect(existsSync(unitTestOf("domain/change-feed/no-such-module.ts"))).to.equal(false);
  });

  it("no function is over 60 lines, declarative tables and generated text aside (test suites' describe blocks are specs)", () => {
    const checked = files.filter((f) => !f.endsWith(".test.ts"));
    expect(checked.length).to.be.greaterThan(100);
    expect(checked.flatMap((f) => longFunctions(f, readFileSync(f, "utf8")))).to.deep.equal([]);
  });

  it("the length rule flags a long function and spares a long table or template", () => {
    const body = Array.from({ length: 60 }, (_, i) => `  const v${i} = ${i};`).join("\n");
    expect(longFunctions("x.ts", `function long() {\n${body}\n  return v1;\n}`)).to.have.length(1);
    expect(longFunctions("x.ts", `function table() {\n${body}\n  return [v1, v2];\n}`)).to.deep.equal([]);
    expect(longFunctions("x.ts", `const script = () => \`\n${body}\n\`;`)).to.deep.equal([]);
    expect(longFunctions("x.ts", `function short() {\n  return 1;\n}`)).to.deep.equal([]);
  });
});
