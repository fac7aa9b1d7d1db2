// lint.allow through the built CLI: what an entry silences, what it must not, and a config error
// for an entry with an empty reason.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), "stowaway-allow-"));
  dirs.push(dir);
  writeFileSync(
    join(dir, "Dockerfile"),
    [
      "FROM alpine",
      "ENV DEMO_PASSWORD=CliAllowDemo1x",
      "ENV X_DEMO_PASSWORD=CliAllowReal2x",
      "ENV DB_PASSWORD=CliAllowValue3x",
      "ENV API_TOKEN=CliAllowValue3x-Qk2Lw9Zp",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, ".stowaway.yaml"), config);
  return dir;
}

describe("lint.allow, end to end", () => {
  it("an anchored name glob and an exact value silence only what they name", () => {
    const dir = project(
      ["lint:", "  allow:", "    - name: DEMO_*", "      reason: demo stack", "    - value: CliAllowValue3x", "      reason: documented example", ""].join(
        "\n",
      ),
    );
    const r = runCli(["lint", "--format", "json", "."], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = JSON.parse(r.stdout).findings.map((f: { line: number }) => f.line);
    // X_DEMO_PASSWORD (line 3) is not DEMO_*, and a longer secret holding the allowed value (line 5) is not that value.
    expect(lines).toEqual([3, 5]);
  });

  it("an allow entry with an empty reason is a config error, exit 2", () => {
    const dir = project(["lint:", "  allow:", "    - name: DEMO_*", '      reason: ""', ""].join("\n"));
    const r = runCli(["lint", "."], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.stowaway\.yaml:4:\d+: lint\.allow\.0\.reason: /);
  });
});
