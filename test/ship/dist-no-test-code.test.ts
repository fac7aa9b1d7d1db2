// Published code carries no test code: no package's dist (nor the CLI bundle) imports vitest, and
// the rule tester stays out of @stowaway/lint's dist. `npm test` builds before it runs this.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cli.js";

function jsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? jsFiles(p) : /\.(c|m)?js$/.test(e.name) ? [p] : [];
  });
}

describe("built output", () => {
  const packages = readdirSync(join(REPO_ROOT, "packages"));
  const files = packages.flatMap((p) => jsFiles(join(REPO_ROOT, "packages", p, "dist")));

  it("exists (the suite runs after a build)", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it("imports vitest nowhere", () => {
    const importsVitest = files.filter((f) => /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']vitest(?:\/[^"']*)?["']/.test(readFileSync(f, "utf8")));
    expect(importsVitest.map((f) => f.slice(REPO_ROOT.length))).toEqual([]);
  });

  it("leaves the rule tester and test helpers out of @stowaway/lint", () => {
    expect(files.filter((f) => /rule-tester|test-helpers/.test(f)).map((f) => f.slice(REPO_ROOT.length))).toEqual([]);
  });
});
