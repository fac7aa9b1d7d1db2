import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { cloneWorkingTree } from "./checkout.js";

describe("the GitHub Actions example", () => {
  const wf = parse(readFileSync(join(REPO_ROOT, "examples/github-actions/stowaway.yml"), "utf8"));
  const steps = wf.jobs.lint.steps as Array<{ name?: string; uses?: string; run?: string; with?: Record<string, string>; if?: string }>;

  it("runs stowaway with SARIF output and uploads it to code scanning", () => {
    expect(wf.permissions["security-events"]).toBe("write");
    const lint = steps.find((s) => s.run?.includes("stowaway lint"))!;
    expect(lint.run).toMatch(/lint --format sarif --output stowaway\.sarif$/);
    const upload = steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"))!;
    expect(upload.with?.sarif_file).toBe("stowaway.sarif");
    expect(upload.if).toBe("always()");
  });

  it("its lint command produces the SARIF file the upload step reads", () => {
    const lint = steps.find((s) => s.run?.includes("stowaway lint"))!;
    const args = lint.run!.split(" ").slice(lint.run!.split(" ").indexOf("lint"));
    const dir = mkdtempSync(join(tmpdir(), "stowaway-gha-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nARG GITHUB_TOKEN=ghp_ActionsFixture0123456789abcdefABCDEFgh\n");
    const r = runCli(args, { cwd: dir });
    expect(r.code).toBe(1);
    const sarif = JSON.parse(readFileSync(join(dir, "stowaway.sarif"), "utf8"));
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine).toBe(2);
    expect(JSON.stringify(sarif)).not.toContain("ghp_ActionsFixture0123456789abcdefABCDEFgh");
  });

  it("its install step works today: clones, builds and installs the package; the lint step then runs the installed stowaway", () => {
    const install = steps.find((s) => s.name === "install stowaway")!;
    expect(install.run).toContain("https://github.com/stowaway-dev/stowaway");
    const work = mkdtempSync(join(tmpdir(), "stowaway-gha-install-"));
    try {
      // The repository as GitHub would serve it: a clone of this working tree.
      const origin = cloneWorkingTree(join(work, "origin"));
      const runnerTemp = join(work, "runner-temp");
      const prefix = join(work, "global");
      mkdirSync(runnerTemp);
      const script = install.run!.replace("https://github.com/stowaway-dev/stowaway", origin);
      const env = { ...process.env, RUNNER_TEMP: runnerTemp, STOWAWAY_REF: "HEAD", npm_config_prefix: prefix, npm_config_prefer_offline: "true" };
      const r = spawnSync("bash", ["-e", "-c", script], { cwd: work, env, encoding: "utf8", timeout: 540_000 });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const repo = mkdtempSync(join(work, "repo-"));
      writeFileSync(join(repo, "Dockerfile"), "FROM alpine\nARG GITHUB_TOKEN=ghp_ActionsFixture0123456789abcdefABCDEFgh\n");
      const lint = steps.find((s) => s.run?.includes("stowaway lint"))!;
      const run = spawnSync("bash", ["-c", lint.run!], {
        cwd: repo,
        env: { ...process.env, PATH: `${join(prefix, "bin")}:${process.env.PATH}` },
        encoding: "utf8",
      });
      expect(run.status, run.stderr).toBe(1);
      expect(JSON.parse(readFileSync(join(repo, "stowaway.sarif"), "utf8")).runs[0].results.length).toBeGreaterThan(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);
});
