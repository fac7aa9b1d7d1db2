import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { discoverTargets } from "./discover.js";
import { createIgnoreMatcher } from "./ignore-paths.js";

const trees: string[] = [];
afterAll(() => {
  for (const d of trees) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "stowaway-ignore-"));
  trees.push(dir);
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), body);
  }
  return dir;
}

describe("createIgnoreMatcher", () => {
  it("honours the top, nested and negated .gitignore rules, and ignorePaths", async () => {
    const dir = tree({
      ".git/HEAD": "ref: refs/heads/main\n",
      ".gitignore": "build/\n*.env\n",
      Dockerfile: "FROM a\n",
      "build/Dockerfile": "FROM a\n",
      "svc/.gitignore": "!keep.env\ngenerated/\n",
      "svc/keep.env": "A=1\n",
      "svc/drop.env": "A=1\n",
      "svc/generated/Dockerfile": "FROM a\n",
      "svc/Dockerfile": "FROM a\n",
      "vendor/Dockerfile": "FROM a\n",
    });
    const ignore = await createIgnoreMatcher(join(dir, "svc"), join(dir, ".stowaway.yaml"), ["vendor/**"]);
    const fromSvc = discoverTargets(["."], { cwd: join(dir, "svc"), ignore });
    expect(fromSvc.targets.map((t) => t.file).sort()).toEqual(["Dockerfile", "keep.env"]);
    const atTop = await createIgnoreMatcher(dir, join(dir, ".stowaway.yaml"), ["vendor/**"]);
    const all = discoverTargets(["."], { cwd: dir, ignore: atTop });
    expect(all.targets.map((t) => t.file).sort()).toEqual(["Dockerfile", "svc/Dockerfile", "svc/keep.env"]);
  });
});
