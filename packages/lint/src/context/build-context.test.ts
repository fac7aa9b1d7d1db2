import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDockerignoreMatcher, listBuildContext } from "./build-context.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Creates a context from `{ "a/b.txt": "…" }`; directories are implied. */
function context(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "stowaway-ctx-"));
  dirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  return root;
}

const BASE = {
  Dockerfile: "FROM alpine\nCOPY . .\n",
  "app.js": "",
  ".env": "",
  ".env.example": "",
  "certs/server.pem": "",
  "deep/er/tls.pem": "",
  "src/index.js": "",
  "src/config.env": "",
  ".git/config": "",
  "node_modules/x/index.js": "",
  "file(1).txt": "",
};

describe("listBuildContext", () => {
  it("sends everything, .git and node_modules included, when nothing is ignored", () => {
    const ctx = context(BASE);
    expect(listBuildContext(ctx, "Dockerfile").files).toEqual([
      ".env",
      ".env.example",
      ".git/config",
      "Dockerfile",
      "app.js",
      "certs/server.pem",
      "deep/er/tls.pem",
      "file(1).txt",
      "node_modules/x/index.js",
      "src/config.env",
      "src/index.js",
    ]);
  });

  it("applies `**`, leading `/`, trailing `/` and `!` exceptions like moby", () => {
    const ctx = context({ ...BASE, ".dockerignore": "# comment\n**/*.pem\n/.git/\nnode_modules\n.env*\n!.env.example\nsrc/*.env\n" });
    expect(listBuildContext(ctx, "Dockerfile").files).toEqual([".dockerignore", ".env.example", "Dockerfile", "app.js", "file(1).txt", "src/index.js"]);
  });

  it("re-includes a directory under `*` with `!dir`", () => {
    const ctx = context({ ...BASE, ".dockerignore": "*\n!src\n" });
    expect(listBuildContext(ctx, "Dockerfile").files).toEqual(["src/config.env", "src/index.js"]);
  });

  it("lets <Dockerfile>.dockerignore take precedence over .dockerignore", () => {
    const ctx = context({ ...BASE, ".dockerignore": "*\n", "docker/app.Dockerfile": "FROM x\n", "docker/app.Dockerfile.dockerignore": ".env\n" });
    const listing = listBuildContext(ctx, "docker/app.Dockerfile");
    expect(listing.ignore.file).toBe(path.join(ctx, "docker/app.Dockerfile.dockerignore"));
    expect(listing.files).toContain("src/config.env");
    expect(listing.files).not.toContain(".env");
    // The plain Dockerfile still uses .dockerignore.
    expect(listBuildContext(ctx, "Dockerfile").files).toEqual([]);
  });

  it("matches case-sensitively and escapes regexp characters, as Docker does", () => {
    const ctx = context({ ...BASE, ".dockerignore": ".ENV\nfile(1).txt\n" });
    const files = listBuildContext(ctx, "Dockerfile").files;
    expect(files).toContain(".env");
    expect(files).not.toContain("file(1).txt");
  });

  it("does not follow symlinked directories", () => {
    const outside = context({ "secret.pem": "" });
    const ctx = context({ "a.txt": "" });
    symlinkSync(outside, path.join(ctx, "linked"));
    expect(listBuildContext(ctx).files).toEqual(["a.txt"]);
  });

  it("stops at maxEntries and says so", () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 50; i++) many[`f${i}.txt`] = "";
    const listing = listBuildContext(context(many), undefined, { maxEntries: 10 });
    expect(listing.truncated).toBe(true);
    expect(listing.files.length).toBeLessThanOrEqual(10);
  });

  it("reports an invalid ignore pattern instead of throwing", () => {
    const listing = listBuildContext(context({ ...BASE, ".dockerignore": "[unclosed\n" }));
    expect(listing.error).toMatch(/invalid pattern/);
    expect(listing.files).toEqual([]);
  });
});

describe("createDockerignoreMatcher", () => {
  const m = (patterns: string[]) => createDockerignoreMatcher(patterns).excluded;
  it.each([
    [["**/secret"], "a/b/secret", true],
    [["**/secret"], "secret", true],
    [["docs/**"], "docs/a/b.md", true],
    [["**"], "anything/at/all", true],
    [["*.key"], "nested/server.key", false],
    [["*/*.key"], "nested/server.key", true],
    [["/build/"], "build/out.bin", true],
    [["a?c"], "abc", true],
    [["a?c"], "a/c", false],
    [["secrets", "!secrets/public.txt"], "secrets/public.txt", false],
    [["secrets", "!secrets/public.txt"], "secrets/private.txt", true],
    [["!keep", "*"], "keep", true],
    // moby/patternmatcher's own readings, which a regexp port does not share:
    [["**.pem"], "a.pem", true], // a leading `**` is matched as a suffix
    [["*.pem[^a][^a]"], "a.pem/c/x", true], // a class may match `/` (Go regexp)
    [["a/../b"], "b", true], // patterns are cleaned
    [["file(1).txt"], "file(1).txt", true],
    [["src/**"], "src/a/b", true],
    [["x]"], "x]", true],
  ])("%j excludes %s: %s", (patterns, file, expected) => {
    expect(m(patterns)(file)).toBe(expected);
  });

  it.each([["!"], ["!/"], ["[unclosed"], ["trailing\\"]])("refuses %j as docker build does", (pattern) => {
    expect(() => createDockerignoreMatcher([pattern])).toThrow(/pattern/);
  });

  it("matches a pattern of many stars against a long name without backtracking", () => {
    // @balena/dockerignore compiled patterns to JavaScript regexps run backtracked: 5 stars against
    // a 250-character name took 13 s, 6 stars more than 2 minutes (Docker's Go regexps are linear).
    const name = "a".repeat(250);
    expect(m([`${"a*".repeat(24)}b`])(name)).toBe(false);
    expect(m([`${"a*".repeat(24)}b`])(`${name}b`)).toBe(true);
    expect(m([`**/${"a*".repeat(24)}b`])(`x/${name}/y`)).toBe(false);
  });
});
