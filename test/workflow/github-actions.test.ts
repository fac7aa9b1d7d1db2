import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

describe("the GitHub Actions example", () => {
  const wf = parse(readFileSync(join(REPO_ROOT, "examples/github-actions/stowaway.yml"), "utf8"));
  const steps = wf.jobs.lint.steps as Array<{ name?: string; uses?: string; run?: string; with?: Record<string, string>; if?: string }>;

  it("runs stowaway with SARIF output and uploads it to code scanning", () => {
    expect(wf.permissions["security-events"]).toBe("write");
    const lint = steps.find((s) => s.run?.includes("stowaway"))!;
    expect(lint.run).toMatch(/lint --format sarif --output stowaway\.sarif$/);
    const upload = steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"))!;
    expect(upload.with?.sarif_file).toBe("stowaway.sarif");
    expect(upload.if).toBe("always()");
  });

  it("its lint command produces the SARIF file the upload step reads", () => {
    const lint = steps.find((s) => s.run?.includes("stowaway"))!;
    const args = lint.run!.split(" ").slice(lint.run!.split(" ").indexOf("lint"));
    const dir = mkdtempSync(join(tmpdir(), "stowaway-gha-"));
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nARG GITHUB_TOKEN=ghp_ActionsFixture0123456789abcdefABCDEFgh\n");
    const r = runCli(args, { cwd: dir });
    expect(r.code).toBe(1);
    const sarif = JSON.parse(readFileSync(join(dir, "stowaway.sarif"), "utf8"));
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine).toBe(2);
    expect(JSON.stringify(sarif)).not.toContain("ghp_ActionsFixture0123456789abcdefABCDEFgh");
  });
});
