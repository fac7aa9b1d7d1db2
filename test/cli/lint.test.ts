import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

interface Planted {
  line: number;
  value: string;
  ruleId?: string;
  /** false for findings that are not secret values (an ARG name, a copied file). */
  secret?: boolean;
}

// Every fixture set is a directory with a SECRETS.json labelling each finding it must produce.
function findSets(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...findSets(join(dir, e.name)));
    else if (e.name === "SECRETS.json") out.push(dir);
  }
  return out.sort();
}
const FIXTURE_SETS = existsSync(join(REPO_ROOT, "test/fixtures")) ? findSets("test/fixtures") : [];

function plantedIn(set: string): Array<Planted & { file: string }> {
  const labels = JSON.parse(readFileSync(join(REPO_ROOT, set, "SECRETS.json"), "utf8")) as Record<string, Planted[]>;
  return Object.entries(labels).flatMap(([file, list]) => list.map((p) => ({ ...p, file: join(set, file) })));
}

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "stowaway-cli-"));
  tmpDirs.push(dir);
  return dir;
}

describe("stowaway lint, end to end", () => {
  it("has fixtures with labelled secrets", () => {
    expect(FIXTURE_SETS.length).toBeGreaterThan(0);
  });

  it.each(FIXTURE_SETS)("finds every labelled finding in %s at its line, and nothing else", (set) => {
    const r = runCli(["lint", "--format", "json", set]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { findings: Array<{ file: string; line: number; ruleId: string; severity: string }> };
    const planted = plantedIn(set);
    const missed = planted.filter((p) => !out.findings.some((f) => join(f.file) === p.file && f.line === p.line && (!p.ruleId || f.ruleId === p.ruleId)));
    expect(missed.map((p) => `${relative(set, p.file)}:${p.line} (${p.ruleId ?? "?"})`)).toEqual([]);
    const unexpected = out.findings.filter((f) => f.severity !== "info" && !planted.some((p) => p.file === join(f.file) && p.line === f.line));
    expect(unexpected.map((f) => `${relative(set, f.file)}:${f.line} ${f.ruleId}`)).toEqual([]);
  });

  it.each(FIXTURE_SETS)("never prints a planted secret whole, in any format (%s)", (set) => {
    const planted = plantedIn(set).filter((p) => p.secret !== false);
    for (const format of ["stylish", "json", "sarif", "github"]) {
      const r = runCli(["lint", "--format", format, set]);
      const all = r.stdout + r.stderr;
      for (const p of planted) expect(all.includes(p.value), `${format} leaks ${relative(set, p.file)}:${p.line}`).toBe(false);
    }
  });

  it("finds the gallery's bad files and passes its fixed ones", () => {
    const bad = runCli(["lint", "--format", "json", "examples/dockerfiles/bad"]);
    expect(bad.code).toBe(1);
    const files = new Set((JSON.parse(bad.stdout).findings as Array<{ file: string }>).map((f) => f.file));
    for (const f of readdirSync(join(REPO_ROOT, "examples/dockerfiles/bad"))) expect(files.has(join("examples/dockerfiles/bad", f)), f).toBe(true);
    const fixed = runCli(["lint", "examples/dockerfiles/fixed"]);
    expect(fixed.stdout).toBe("");
    expect(fixed.code).toBe(0);
  });

  it("prints help and version", () => {
    expect(runCli(["--help"])).toMatchObject({ code: 0 });
    expect(runCli(["lint", "--help"]).stdout).toContain("--format");
    expect(runCli(["--version"]).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("exits 2 on usage errors", () => {
    expect(runCli(["lint", "--format", "xml", "."]).code).toBe(2);
    expect(runCli(["lint", "--fail-on", "loud", "."]).code).toBe(2);
    expect(runCli(["frobnicate"]).code).toBe(2);
  });

  it("honours --fail-on", () => {
    const dir = tmp();
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nARG DEPLOY_TOKEN\n");
    const r = runCli(["lint", "--format", "json", "."], { cwd: dir });
    const sev = (JSON.parse(r.stdout).findings as Array<{ severity: string }>).map((f) => f.severity);
    expect(sev).toEqual(["warning"]);
    expect(r.code).toBe(1);
    expect(runCli(["lint", "--fail-on", "error", "."], { cwd: dir }).code).toBe(0);
    expect(runCli(["lint", "--fail-on", "none", "."], { cwd: dir }).code).toBe(0);
  });

  it("names unreadable, binary, empty and oversized files, exits 2, and still lints the others", () => {
    const dir = tmp();
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV API_KEY=FixtureApiKeyValue123456\n");
    writeFileSync(join(dir, "binary.Dockerfile"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0]));
    writeFileSync(join(dir, "empty.Dockerfile"), "");
    writeFileSync(join(dir, "huge.Dockerfile"), "FROM alpine\n" + "RUN echo hello world\n".repeat(500_000));
    const r = runCli(["lint", "--format", "json", ".", "missing.Dockerfile"], { cwd: dir });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    const errs = Object.fromEntries((out.errors as Array<{ file: string; code: string; message: string }>).map((e) => [e.file, e]));
    expect(errs["binary.Dockerfile"].code).toBe("binary");
    expect(errs["huge.Dockerfile"].message).toMatch(/cap/);
    expect(errs["missing.Dockerfile"].code).toBe("not-found");
    expect(errs["empty.Dockerfile"]).toBeUndefined();
    expect(out.findings.map((f: { file: string }) => f.file)).toEqual(["Dockerfile"]);
    const stylish = runCli(["lint", "."], { cwd: dir });
    expect(stylish.stdout).toMatch(/huge\.Dockerfile[\s\S]*over the 1048576-byte cap/);
    expect(stylish.stdout + stylish.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/); // no stack trace
  });

  it("writes the report to --output", () => {
    const dir = tmp();
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV DB_PASSWORD=OutputFixturePw55\n");
    const r = runCli(["lint", "--format", "json", "--output", "out/report.json", "."], { cwd: dir });
    expect(r.stdout).toBe("");
    expect(JSON.parse(readFileSync(join(dir, "out/report.json"), "utf8")).findings).toHaveLength(1);
  });
});

describe("configuration, suppressions and baselines, end to end", () => {
  it("applies .stowaway.yaml found by walking up", () => {
    const dir = tmp();
    mkdirSync(join(dir, "svc"));
    writeFileSync(
      join(dir, "svc/Dockerfile"),
      "FROM alpine\nENV DB_PASSWORD=ConfigFixturePw66\nENV DEMO_TOKEN=DemoFixtureToken77\nENV SIGNING_PEPPER=SigningFixture88x\n",
    );
    const before = JSON.parse(runCli(["lint", "--format", "json", "."], { cwd: join(dir, "svc") }).stdout);
    expect(before.findings.map((f: { line: number }) => f.line)).toEqual([2, 3]);
    writeFileSync(
      join(dir, ".stowaway.yaml"),
      [
        "lint:",
        "  rules:",
        "    dockerfile/secret-in-env: warning",
        "  allow:",
        "    - name: DEMO_*",
        "      reason: demo stack",
        "  secretNames:",
        "    secret: [pepper]",
      ].join("\n"),
    );
    const after = JSON.parse(runCli(["lint", "--format", "json", "."], { cwd: join(dir, "svc") }).stdout);
    expect(after.findings.map((f: { line: number; severity: string }) => `${f.line}:${f.severity}`)).toEqual(["2:warning", "4:warning"]);
  });

  it("rejects a bad .stowaway.yaml with file, line and key, exit 2", () => {
    const dir = tmp();
    writeFileSync(join(dir, ".stowaway.yaml"), "lint:\n  failOn: warning\n  rulez: {}\n");
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\n");
    const r = runCli(["lint"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(".stowaway.yaml:3:3: lint.rulez: unknown key `rulez`");
  });

  it("suppresses on the next line, only for the named rules, and reports unused suppressions", () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "Dockerfile"),
      [
        "FROM alpine",
        "# stowaway-disable-next-line dockerfile/secret-in-env -- demo value",
        "ENV DB_PASSWORD=SuppressedFixturePw1",
        "# stowaway-disable-next-line dockerfile/copy-secret-file",
        "ENV API_TOKEN=NotSuppressedFixture2",
        "ENV OTHER_PASSWORD=NotSuppressedFixture3",
      ].join("\n") + "\n",
    );
    const out = JSON.parse(runCli(["lint", "--format", "json", "."], { cwd: dir }).stdout);
    const got = out.findings.map((f: { line: number; ruleId: string }) => `${f.line}:${f.ruleId}`);
    expect(got).toContain("5:dockerfile/secret-in-env");
    expect(got).toContain("6:dockerfile/secret-in-env");
    expect(got).toContain("4:stowaway/unused-suppression");
    expect(got.some((g: string) => g.startsWith("3:"))).toBe(false);
  });

  it("a baseline survives unrelated edits and catches a new secret", () => {
    const dir = tmp();
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV DB_PASSWORD=BaselineFixturePw1\n");
    expect(runCli(["lint", "--write-baseline", ".stowaway-baseline.json"], { cwd: dir }).code).toBe(0);
    const baseline = readFileSync(join(dir, ".stowaway-baseline.json"), "utf8");
    expect(baseline).not.toContain("BaselineFixturePw1");
    // Unrelated lines move the finding; the baseline still covers it.
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nRUN apk add curl\nWORKDIR /app\nENV DB_PASSWORD=BaselineFixturePw1\n");
    expect(runCli(["lint", "--baseline", ".stowaway-baseline.json"], { cwd: dir })).toMatchObject({ code: 0, stdout: "" });
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV DB_PASSWORD=BaselineFixturePw1\nENV API_TOKEN=NewFixtureSecret22\n");
    const r = runCli(["lint", "--format", "json", "--baseline", ".stowaway-baseline.json"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { line: number }) => f.line)).toEqual([3]);
  });
});
