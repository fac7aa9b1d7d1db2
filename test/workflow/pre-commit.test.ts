import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

interface HookDef {
  id: string;
  entry: string;
  language: string;
  files: string;
  exclude?: string;
  pass_filenames: boolean;
}

const hooks = parse(readFileSync(join(REPO_ROOT, ".pre-commit-hooks.yaml"), "utf8")) as HookDef[];
const hook = hooks.find((h) => h.id === "stowaway-lint")!;

// pre-commit matches `files`/`exclude` with Python's re.search; these patterns mean the same in JS.
const selected = (names: string[]) => names.filter((n) => new RegExp(hook.files).test(n) && !(hook.exclude && new RegExp(hook.exclude).test(n)));

describe("the pre-commit hook", () => {
  it("is a node hook named stowaway-lint that takes file names", () => {
    expect(hook).toMatchObject({ language: "node", pass_filenames: true });
    expect(hook.entry.split(" ")[0]).toBe("stowaway");
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    // pre-commit packs and installs this repository; the root must expose the binary.
    expect(pkg.name).toBe("stowaway");
    expect(pkg.bin.stowaway).toBe("packages/cli/bin/stowaway.js");
  });

  it("lints exactly the Dockerfiles, compose and env files among a mixed list, silently skipping the rest", () => {
    const dir = mkdtempSync(join(tmpdir(), "stowaway-precommit-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const files: Record<string, string> = {
      Dockerfile: "FROM alpine\nENV API_TOKEN=ghp_PreCommitFixture0123456789abcdefABCDEF\n",
      "svc/compose.yaml": "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: PreCommitComposePw1\n",
      "svc/.env": "SECRET_KEY=PreCommitEnvSecret2\n",
      ".env.example": "SECRET_KEY=changeme\n",
      "README.md": "API_TOKEN=ghp_NotLintedBecauseMarkdown0123456789abcdef\n",
      "src/app.ts": "export const x = 1;\n",
      ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    };
    for (const [name, body] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), body);
    }
    const chosen = selected(Object.keys(files));
    expect(chosen.sort()).toEqual(["Dockerfile", "svc/.env", "svc/compose.yaml"]);
    // Run the entry the way pre-commit does: entry + args + file names.
    const [, ...entryArgs] = hook.entry.split(" ");
    const r = runCli([...entryArgs, "--format", "json", ...Object.keys(files)], { cwd: dir });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(new Set(out.findings.map((f: { file: string }) => f.file))).toEqual(new Set(["Dockerfile", "svc/compose.yaml", "svc/.env"]));
    expect(r.code).toBe(1);
    const clean = runCli([...entryArgs, "README.md", "src/app.ts", ".env.example"], { cwd: dir });
    expect(clean).toMatchObject({ code: 0, stdout: "" });
  });

  it("ships a ready-to-copy .pre-commit-config.yaml that uses the hook", () => {
    const cfg = parse(readFileSync(join(REPO_ROOT, "examples/pre-commit/.pre-commit-config.yaml"), "utf8"));
    expect(cfg.repos[0].hooks[0].id).toBe("stowaway-lint");
    expect(cfg.repos[0].rev).toMatch(/^v\d+\.\d+\.\d+$/);
  });
});
