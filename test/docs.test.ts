import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Markdown links of `file` that point into the repository: [target path, anchor]. */
const linksOf = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/\]\(([^)\s]+)\)/g)]
    .map(([, href]) => href)
    .filter((href) => !/^[a-z]+:/.test(href))
    .map((href) => {
      const [path, anchor] = href.split("#");
      return { path: path ? join(dirname(file), path) : file, anchor };
    });

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const anchorsOf = (file: string) =>
  new Set(
    [...readFileSync(file, "utf8").matchAll(/^#+ (.+)$/gm)].map(([, heading]) =>
      heading
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, "")
        .replace(/ /g, "-"),
    ),
  );

describe("docs a newcomer can navigate", () => {
  const docs = readdirSync("docs").filter((f) => f.endsWith(".md"));

  it("the README stays under 150 lines: the pitch, the two commands, the endpoints and a map of the docs", () => {
    const readme = readFileSync("README.md", "utf8");
    expect(readme.trimEnd().split("\n").length).to.be.below(150);
    expect(readme).to.include("make dev").and.include("make test");
    expect(readme).to.include("### `.dev/endpoints.json`");
  });

  it("every document in docs/ is one click from the README", () => {
    const linked = new Set(linksOf("README.md").map((l) => l.path));
    for (const doc of docs) expect(linked, doc).to.include(join("docs", doc));
  });

  it("every link between the documents reaches a file, and an anchor a heading of it", () => {
    for (const file of ["README.md", ...docs.map((d) => join("docs", d))]) {
      for (const { path, anchor } of linksOf(file)) {
        expect(existsSync(path), `${file} -> ${path}`).to.equal(true);
        if (anchor && path.endsWith(".md")) expect(anchorsOf(path), `${file} -> ${path}#${anchor}`).to.include(anchor);
      }
    }
  });
});
