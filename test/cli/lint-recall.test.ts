import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

// Issue #13 through the built CLI: weak values and lint.weakValues, and explicitly named YAML files
// that are neither compose nor env files.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "stowaway-recall-"));
  dirs.push(d);
  return d;
}

const COMPOSE = "services:\n  db:\n    image: mysql:8\n    environment:\n      MYSQL_ROOT_PASSWORD: example\n";

describe("stowaway lint: weak values and unknown YAML", () => {
  it("reports a demo password as a warning that --fail-on warning counts; lint.weakValues lowers or drops it", () => {
    const dir = tmp();
    writeFileSync(join(dir, "compose.yaml"), COMPOSE);
    const r = runCli(["lint", "--format", "json", "."], { cwd: dir });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings as Array<{ severity: string; message: string; secret: string }>;
    expect(findings.map((f) => f.severity)).toEqual(["warning"]);
    expect(findings[0].message).toContain("well-known weak value");
    expect(r.stdout).not.toContain(": example");

    writeFileSync(join(dir, ".stowaway.yaml"), "lint:\n  weakValues: info\n");
    const info = runCli(["lint", "--format", "json", "."], { cwd: dir });
    expect(JSON.parse(info.stdout).findings.map((f: { severity: string }) => f.severity)).toEqual(["info"]);
    expect(info.code).toBe(0);

    writeFileSync(join(dir, ".stowaway.yaml"), "lint:\n  weakValues: off\n");
    const off = runCli(["lint", "--format", "json", "."], { cwd: dir });
    expect(JSON.parse(off.stdout).findings).toEqual([]);
    expect(off.code).toBe(0);
  });

  it("skips an explicitly named Kubernetes manifest or Helm values file, and says so on stderr", () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "deployment.yaml"),
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: DB_PASSWORD\n              value: Kx8-Vq2m-Lp4\n",
    );
    writeFileSync(join(dir, "values.yaml"), "image:\n  tag: 1.2.3\nreplicaCount: 2\n");
    writeFileSync(join(dir, "stack.yml"), COMPOSE);
    const r = runCli(["lint", "--format", "json", "deployment.yaml", "values.yaml", "stack.yml"], { cwd: dir });
    expect(r.stderr).toMatch(/deployment\.yaml: skipped: a Kubernetes manifest/);
    expect(r.stderr).toMatch(/values\.yaml: skipped: neither a compose file nor an env file/);
    const report = JSON.parse(r.stdout) as { summary: { files: number }; findings: Array<{ file: string }> };
    expect(report.summary.files).toBe(1);
    expect(report.findings.map((f) => f.file)).toEqual(["stack.yml"]);
  });
});
