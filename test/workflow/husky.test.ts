import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { CLI, REPO_ROOT, runCli } from "../helpers/cli.js";

function gitRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "stowaway-staged-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "-q");
  git("config", "user.email", "t@example.com");
  git("config", "user.name", "t");
  return dir;
}

describe("stowaway lint --staged", () => {
  it("lints the staged content, not the working tree", () => {
    const dir = gitRepo();
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV DB_PASSWORD=StagedOnlyPassw0rd9\n");
    writeFileSync(join(dir, "notes.txt"), "DB_PASSWORD=NotOurKindOfFile1\n");
    execFileSync("git", ["add", "Dockerfile", "notes.txt"], { cwd: dir });
    // The working tree is fixed after staging: the commit would still hold the secret.
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV DB_PASSWORD_FILE=/run/secrets/db\n");
    const r = runCli(["lint", "--staged", "--format", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]).toMatchObject({ file: "Dockerfile", line: 2 });
    expect(r.stdout).not.toContain("StagedOnlyPassw0rd9");
    // And the other way round: a clean staged file passes although the working tree is dirty.
    execFileSync("git", ["add", "Dockerfile"], { cwd: dir });
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV DB_PASSWORD=WorkingTreeOnly77\n");
    expect(runCli(["lint", "--staged"], { cwd: dir }).code).toBe(0);
  });

  it("works from a subdirectory and with nothing staged", () => {
    const dir = gitRepo();
    mkdirSync(join(dir, "sub"));
    expect(runCli(["lint", "--staged"], { cwd: join(dir, "sub") }).code).toBe(0);
  });

  it("refuses paths together with --staged, and outside a git repository", () => {
    expect(runCli(["lint", "--staged", "Dockerfile"]).code).toBe(2);
    const noGit = mkdtempSync(join(tmpdir(), "stowaway-nogit-"));
    onTestFinished(() => rmSync(noGit, { recursive: true, force: true }));
    const r = runCli(["lint", "--staged"], { cwd: noGit });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/git/);
  });
});

describe("the husky + lint-staged example", () => {
  it("its pre-commit hook blocks a commit with a staged secret and lets a clean one through", () => {
    const dir = gitRepo();
    const hookBody = readFileSync(join(REPO_ROOT, "examples/husky/.husky/pre-commit"), "utf8");
    // Stand-in for `npx --no-install stowaway`: the same CLI, as node_modules/.bin would hold it.
    const bin = join(dir, "node_modules/.bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "stowaway"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, "stowaway"), 0o755);
    const hookPath = join(dir, ".husky/pre-commit");
    mkdirSync(dirname(hookPath), { recursive: true });
    writeFileSync(hookPath, hookBody.replace(/npx --no-install /g, ""));
    const runHook = () =>
      spawnSync("sh", [hookPath], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1" }, encoding: "utf8" });
    writeFileSync(join(dir, "compose.yaml"), "services:\n  db:\n    environment:\n      - MYSQL_ROOT_PASSWORD=HuskyFixturePw42\n");
    execFileSync("git", ["add", "compose.yaml"], { cwd: dir });
    const blocked = runHook();
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toContain("compose.yaml");
    expect(blocked.stdout).not.toContain("HuskyFixturePw42");
    writeFileSync(join(dir, "compose.yaml"), "services:\n  db:\n    environment:\n      - MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db\n");
    execFileSync("git", ["add", "compose.yaml"], { cwd: dir });
    expect(runHook().status).toBe(0);
  });

  it("its lint-staged patterns select our files only", async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "examples/husky/package.json"), "utf8"));
    const [[glob, command]] = Object.entries(pkg["lint-staged"]) as [[string, string]];
    expect(command).toBe("stowaway lint --skip-unknown");
    const { default: picomatch } = await import("picomatch");
    // lint-staged matches with micromatch and `dot: true`; picomatch is its engine.
    const isMatch = picomatch(glob, { dot: true });
    for (const yes of [
      "Dockerfile",
      "api/Dockerfile.prod",
      "web.Dockerfile",
      "compose.yaml",
      "docker-compose.override.yml",
      "deploy/.env",
      ".env.production",
      "prod.env",
    ]) {
      expect(isMatch(yes), yes).toBe(true);
    }
    for (const no of ["README.md", "src/index.ts", "values.yaml", ".github/workflows/ci.yml"]) expect(isMatch(no), no).toBe(false);
  });

  it("installs stowaway as the example's package.json says (the vendored tarball, offline) and its hook runs that install", () => {
    const example = JSON.parse(readFileSync(join(REPO_ROOT, "examples/husky/package.json"), "utf8"));
    const spec: string = example.devDependencies.stowaway;
    expect(spec).toMatch(/^file:vendor\/stowaway-\d+\.\d+\.\d+\.tgz$/);
    const dir = gitRepo();
    try {
      const vendor = join(dir, "vendor");
      mkdirSync(vendor);
      const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--pack-destination", vendor], { cwd: REPO_ROOT, encoding: "utf8" });
      expect(pack.status, pack.stderr).toBe(0);
      expect(`file:vendor/${pack.stdout.trim()}`).toBe(spec);
      // husky and lint-staged come from the registry and are not ours: only stowaway is installed here.
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "my-service", private: true, devDependencies: { stowaway: spec } }));
      const install = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
      expect(install.status, install.stderr).toBe(0);
      const hookBody = readFileSync(join(REPO_ROOT, "examples/husky/.husky/pre-commit"), "utf8");
      writeFileSync(join(dir, "hook.sh"), hookBody);
      writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nENV DB_PASSWORD=HuskyTarballFixture9\n");
      execFileSync("git", ["add", "Dockerfile"], { cwd: dir });
      // The hook as written (`npx --no-install stowaway …`), with the installed package.
      const blocked = spawnSync("sh", ["hook.sh"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, encoding: "utf8" });
      expect(blocked.status, blocked.stderr).toBe(1);
      expect(blocked.stdout).toMatch(/2:17 +error +ENV DB_PASSWORD/);
      expect(blocked.stdout).not.toContain("HuskyTarballFixture9");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
