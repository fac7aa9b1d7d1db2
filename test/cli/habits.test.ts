import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT, runCli } from "../helpers/cli.js";

// The flags users bring from eslint, hadolint, gitleaks and trivy, run through the built CLI.
const root = mkdtempSync(join(tmpdir(), "stowaway-habits-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function project(files: Record<string, string>): string {
  const dir = join(root, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}
const ENV_SECRET = "FROM alpine\nENV DB_PASSWORD=HabitsFixturePw77\n";
// One warning (a secret ARG name without value) and one error.
const WARN_AND_ERROR = "FROM alpine\nARG NPM_TOKEN\nENV DB_PASSWORD=HabitsFixturePw77\n";

describe("output formats and flags", () => {
  it("--format compact: one line per finding, no fix", () => {
    const dir = project({ Dockerfile: WARN_AND_ERROR });
    const r = runCli(["lint", "--format", "compact", "Dockerfile"], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Dockerfile:2:\d+: warning dockerfile\/secret-build-arg /);
    expect(lines[1]).toMatch(/^Dockerfile:3:17: error dockerfile\/secret-in-env ENV DB_PASSWORD .* \[Habi…\]$/);
    expect(r.stdout).not.toMatch(/fix/i);
  });

  it("--quiet reports errors only, and warnings alone then pass", () => {
    const dir = project({ Dockerfile: WARN_AND_ERROR, "warn/Dockerfile": "FROM alpine\nARG NPM_TOKEN\n" });
    const r = runCli(["lint", "--quiet", "--format", "compact", "Dockerfile"], { cwd: dir });
    expect(r.stdout.trim().split("\n")).toEqual([expect.stringMatching(/: error /)]);
    expect(runCli(["lint", "--quiet", "warn/Dockerfile"], { cwd: dir })).toMatchObject({ code: 0, stdout: "" });
    expect(runCli(["lint", "warn/Dockerfile"], { cwd: dir }).code).toBe(1);
  });

  it("--max-warnings N fails only above N warnings", () => {
    const dir = project({ Dockerfile: "FROM alpine\nARG NPM_TOKEN\nARG GITHUB_TOKEN\n" });
    expect(runCli(["lint", "--max-warnings", "2", "Dockerfile"], { cwd: dir }).code).toBe(0);
    const over = runCli(["lint", "--max-warnings", "1", "Dockerfile"], { cwd: dir });
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/2 warnings, more than --max-warnings 1/);
    expect(runCli(["lint", "--max-warnings", "many", "Dockerfile"], { cwd: dir }).code).toBe(2);
    // Errors still fail.
    const err = project({ Dockerfile: ENV_SECRET });
    expect(runCli(["lint", "--max-warnings", "10", "Dockerfile"], { cwd: err }).code).toBe(1);
  });

  it("colour: --color and FORCE_COLOR force it, --no-color and NO_COLOR remove it (not a TTY here)", () => {
    const dir = project({ Dockerfile: ENV_SECRET });
    const esc = "\u001b[";
    expect(runCli(["lint", "Dockerfile"], { cwd: dir, env: { NO_COLOR: "" } }).stdout).not.toContain(esc);
    expect(runCli(["lint", "--color", "Dockerfile"], { cwd: dir }).stdout).toContain(esc);
    expect(runCli(["lint", "Dockerfile"], { cwd: dir, env: { NO_COLOR: "", FORCE_COLOR: "1" } }).stdout).toContain(esc);
    expect(runCli(["lint", "Dockerfile"], { cwd: dir, env: { NO_COLOR: "", FORCE_COLOR: "0" } }).stdout).not.toContain(esc);
    expect(runCli(["lint", "--no-color", "Dockerfile"], { cwd: dir, env: { FORCE_COLOR: "1" } }).stdout).not.toContain(esc);
  });

  it("`-` reads standard input; --stdin-filename decides the kind and the reported name", () => {
    const cwd = project({});
    const docker = runCli(["lint", "-", "--stdin-filename", "svc/Dockerfile", "--format", "json"], { cwd, input: ENV_SECRET });
    expect(docker.code).toBe(1);
    expect(JSON.parse(docker.stdout).findings[0]).toMatchObject({ file: "svc/Dockerfile", line: 2, ruleId: "dockerfile/secret-in-env" });
    const env = runCli(["lint", "-", "--stdin-filename", "prod.env", "--format", "json"], { cwd, input: "DB_PASSWORD=HabitsFixturePw77\n" });
    expect(JSON.parse(env.stdout).findings[0]).toMatchObject({ file: "prod.env", ruleId: "env/secret-value" });
    const compose = runCli(["lint", "-", "--stdin-filename", "compose.yaml", "--format", "json"], {
      cwd,
      input: "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: HabitsFixturePw77\n",
    });
    expect(JSON.parse(compose.stdout).findings[0]).toMatchObject({ file: "compose.yaml", ruleId: "compose/secret-in-environment" });
    // Without a name it is a Dockerfile called <stdin>.
    expect(JSON.parse(runCli(["lint", "-", "--format", "json"], { cwd, input: ENV_SECRET }).stdout).findings[0].file).toBe("<stdin>");
    expect(runCli(["lint", "-", "--format", "json"], { cwd, input: "FROM alpine\n" }).code).toBe(0);
    expect(runCli(["lint", "-", "Dockerfile"], { cwd, input: "" }).code).toBe(2);
  });

  it("a named path that holds nothing lintable, or does not exist, exits 2 with a message", () => {
    const dir = project({ "docs/README.md": "hello\n", Dockerfile: "FROM alpine\n" });
    const empty = runCli(["lint", "docs"], { cwd: dir });
    expect(empty.code).toBe(2);
    expect(empty.stdout).toMatch(/docs[\s\S]*no Dockerfile, compose file or env file here/);
    const typo = runCli(["lint", "Dockerfiel"], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.stdout).toMatch(/Dockerfiel[\s\S]*no such file or directory/);
    // The default "." with nothing in it is not a mistake.
    expect(runCli(["lint"], { cwd: join(dir, "docs") }).code).toBe(0);
  });

  it("--write-baseline prints a one-line summary, not the report", () => {
    const dir = project({ Dockerfile: WARN_AND_ERROR });
    const r = runCli(["lint", "--write-baseline", "baseline.json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual(["stowaway: wrote 2 finding(s) (1 error, 1 warning, 0 info) from 1 file(s) to baseline.json"]);
    expect(JSON.parse(readFileSync(join(dir, "baseline.json"), "utf8")).findings).toHaveLength(2);
    expect(runCli(["lint", "--baseline", "baseline.json"], { cwd: dir }).code).toBe(0);
  });
});

describe("stowaway rules", () => {
  it("lists every rule with severity, kinds and docs link; --format json for tools", () => {
    const text = runCli(["rules"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^dockerfile\/secret-in-env +error +dockerfile +ENV/m);
    expect(text.stdout).toMatch(/^stowaway\/unknown-rule +warning +dockerfile,compose,env /m);
    const json = JSON.parse(runCli(["rules", "--format", "json"]).stdout);
    const ids = json.rules.map((r: { id: string }) => r.id);
    expect(ids).toContain("compose/url-credentials");
    expect(json.rules.find((r: { id: string }) => r.id === "dockerfile/secret-build-arg")).toMatchObject({
      severity: "warning",
      kinds: ["dockerfile"],
      docs: expect.stringMatching(/^https:\/\/.*\/docs\/rules\/dockerfile\/secret-build-arg\.md$/),
    });
  });
});

describe("configuration", () => {
  it("is found from each linted path upward, then from the working directory", () => {
    const dir = project({
      "other/dir/.stowaway.yaml": "lint:\n  rules:\n    dockerfile/secret-in-env: off\n",
      "other/dir/Dockerfile": ENV_SECRET,
      "here/Dockerfile": ENV_SECRET,
      "here/.stowaway.yaml": "lint:\n  failOn: none\n",
    });
    // From the repository's own cwd: other/dir's config applies to other/dir only.
    expect(runCli(["lint", join(dir, "other/dir")]).code).toBe(0);
    expect(runCli(["lint", join(dir, "other/dir/Dockerfile")]).code).toBe(0);
    expect(runCli(["lint", join(dir, "here/Dockerfile")]).code).toBe(0);
    const both = runCli(["lint", "--format", "json", "other/dir", "../p-none"], { cwd: dir });
    expect(both.code).toBe(2); // ../p-none does not exist, other/dir is clean under its config
    expect(JSON.parse(both.stdout).findings).toEqual([]);
    // No config on the way up from the path: the working directory's applies.
    const outside = project({ Dockerfile: ENV_SECRET });
    expect(runCli(["lint", join(outside, "Dockerfile")], { cwd: join(dir, "here") }).code).toBe(0);
    expect(runCli(["lint", join(outside, "Dockerfile")], { cwd: outside }).code).toBe(1);
  });

  it("an unknown rule id is exit 2 naming file, line and key, with a suggestion", () => {
    const dir = project({ ".stowaway.yaml": "lint:\n  failOn: error\n  rules:\n    dockerfile/secret-in-envs: off\n", Dockerfile: ENV_SECRET });
    const r = runCli(["lint", "Dockerfile"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${join(dir, ".stowaway.yaml")}:4:5: lint.rules.dockerfile/secret-in-envs: unknown rule id (did you mean \`dockerfile/secret-in-env\`?)`,
    );
  });

  it("an unknown rule id in a suppression comment is a warning stowaway/unknown-rule with a suggestion", () => {
    const dir = project({
      Dockerfile: "FROM alpine\n# stowaway-disable-next-line dockerfile/secret-in-envs -- demo\nENV DB_PASSWORD=HabitsFixturePw77\n",
      ".env": "# stowaway-disable-next-line env/secret-valu\nDB_PASSWORD=HabitsFixturePw77\n",
    });
    const out = JSON.parse(runCli(["lint", "--format", "json", "."], { cwd: dir }).stdout);
    const unknown = out.findings.filter((f: { ruleId: string }) => f.ruleId === "stowaway/unknown-rule");
    expect(unknown).toHaveLength(2);
    expect(unknown.map((f: { message: string }) => f.message)).toEqual([
      expect.stringContaining("(did you mean `env/secret-value`?)"),
      expect.stringContaining("(did you mean `dockerfile/secret-in-env`?)"),
    ]);
    expect(unknown[0].severity).toBe("warning");
    // The finding it meant to silence is still reported, and the comment is not also "unused".
    expect(out.findings.filter((f: { ruleId: string }) => f.ruleId === "dockerfile/secret-in-env")).toHaveLength(1);
    expect(out.findings.filter((f: { ruleId: string }) => f.ruleId === "stowaway/unused-suppression")).toHaveLength(0);
  });

  it("a trailing # stowaway-disable-line in a Dockerfile is reported as doing nothing, with the fix", () => {
    const dir = project({ Dockerfile: "FROM alpine\nENV DB_PASSWORD=HabitsFixturePw77 # stowaway-disable-line\n" });
    const out = JSON.parse(runCli(["lint", "--format", "json", "Dockerfile"], { cwd: dir }).stdout);
    const inert = out.findings.find((f: { ruleId: string }) => f.ruleId === "stowaway/unused-suppression");
    expect(inert).toMatchObject({ line: 2, severity: "warning" });
    expect(inert.message).toMatch(/argument.*silences nothing/);
    expect(inert.fix).toMatch(/# stowaway-disable-next-line .* on its own line above/);
    expect(out.findings.some((f: { ruleId: string }) => f.ruleId === "dockerfile/secret-in-env")).toBe(true);
  });
});

describe("hostile file names", () => {
  it("a name with ESC and newlines cannot clear the screen or forge a clean result, in any format", () => {
    const evil = "x\u001b[2J\u001b[H\n✔ 0 problems\n.env";
    const dir = project({ [evil]: "DB_PASSWORD=HabitsFixturePw77\n" });
    for (const format of ["stylish", "compact", "json", "sarif", "github", "gitlab", "junit"]) {
      const r = spawnSync(process.execPath, [CLI, "lint", "--format", format, "--color", "."], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "" },
      });
      expect(r.status, format).toBe(1);
      // Our own colour codes are `ESC[<digits>m`; nothing else may carry an ESC.
      expect(r.stdout.replace(/\u001b\[\d+m/g, ""), format).not.toContain("\u001b");
      expect(
        r.stdout.split("\n").some((l) => l.startsWith("✔ 0 problems")),
        format,
      ).toBe(false);
    }
  });
});

describe("repository binary", () => {
  it("is what the README tour runs", () => {
    expect(runCli(["lint", "examples/dockerfiles/bad/Dockerfile.env-secrets"], { cwd: REPO_ROOT }).code).toBe(1);
  });
});
