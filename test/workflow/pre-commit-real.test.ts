import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cloneWorkingTree, git, tempRepo, which, writeFiles } from "./checkout.js";

/**
 * The real `pre-commit` (Debian's package; .ci/run installs it) installs this repository's hook
 * the way it does for users: `npm install` in a clone (the workspace `prepare` builds), `npm pack`
 * (stdout must be the tarball name alone), `npm install -g` of the tarball, then the entry runs.
 * Each install takes one to two minutes (try-repo always installs into a fresh store), so the
 * clean-file case of try-repo is checked through the config's environment, which is the same hook.
 * Under load (two suites side by side) one install took over 4 minutes, hence the 9-minute limits.
 */
const preCommit = which("pre-commit");
if (!preCommit) console.warn("SKIP test/workflow/pre-commit-real.test.ts: the pre-commit binary is not installed (apt-get install pre-commit)");

const SECRET = "ghp_PreCommitFixture0123456789abcdefABCDEF";

describe.skipIf(!preCommit)("the hook under the real pre-commit", () => {
  const work = mkdtempSync(join(tmpdir(), "stowaway-pre-commit-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const clone = cloneWorkingTree(work);
  const rev = git(clone, "rev-parse", "HEAD").trim();
  const env = {
    ...process.env,
    PRE_COMMIT_HOME: join(work, "cache"),
    // A warm npm cache is enough: no registry round trip when the lockfile's packages are cached.
    npm_config_prefer_offline: "true",
    NO_COLOR: "1",
  };
  const run = (cwd: string, cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 540_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };

  it("try-repo fails on a Dockerfile with a secret and shows the finding", () => {
    const user = tempRepo(work, "try");
    writeFiles(user, { Dockerfile: `FROM alpine\nENV API_TOKEN=${SECRET}\n` });
    git(user, "add", "-A");
    const dirty = run(user, "pre-commit", ["try-repo", clone, "stowaway-lint", "--files", "Dockerfile"]);
    expect(dirty.out).toMatch(/stowaway lint .*Failed/);
    expect(dirty.out).toMatch(/2:15 +error +ENV API_TOKEN sets a literal secret/);
    expect(dirty.out).toContain("dockerfile/secret-in-env");
    expect(dirty.out).not.toContain(SECRET);
    expect(dirty.code).toBe(1);
  }, 600_000);

  it("a .pre-commit-config.yaml pointing at the repository blocks a staged secret and lets a clean commit through", () => {
    const user = tempRepo(work, "config");
    writeFiles(user, {
      ".pre-commit-config.yaml": `repos:\n  - repo: ${clone}\n    rev: ${rev}\n    hooks:\n      - id: stowaway-lint\n`,
      "README.md": "hello\n",
    });
    git(user, "add", "-A");
    git(user, "commit", "-q", "--no-verify", "-m", "init");
    expect(run(user, "pre-commit", ["install"]).code).toBe(0);

    writeFiles(user, { "svc/compose.yaml": "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: PreCommitComposePw1\n" });
    git(user, "add", "svc/compose.yaml");
    const blocked = run(user, "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-m", "add db"]);
    expect(blocked.code).not.toBe(0);
    expect(blocked.out).toContain("svc/compose.yaml");
    expect(blocked.out).toContain("compose/secret-in-environment");
    expect(blocked.out).not.toContain("PreCommitComposePw1");
    expect(git(user, "rev-list", "--count", "HEAD").trim()).toBe("1");

    writeFiles(user, { "svc/compose.yaml": "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db\n" });
    git(user, "add", "svc/compose.yaml");
    const ok = run(user, "git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-m", "add db"]);
    expect(ok.out).toMatch(/stowaway lint .*Passed/);
    expect(ok.code).toBe(0);
    expect(git(user, "rev-list", "--count", "HEAD").trim()).toBe("2");

    // The same hook on named files, as `try-repo … --files` runs it: a clean Dockerfile passes.
    writeFiles(user, { "clean/Dockerfile": "FROM alpine\nENV API_TOKEN_FILE=/run/secrets/api_token\n" });
    git(user, "add", "-A");
    const clean = run(user, "pre-commit", ["run", "stowaway-lint", "--files", "clean/Dockerfile"]);
    expect(clean.out).toMatch(/stowaway lint .*Passed/);
    expect(clean.code).toBe(0);
  }, 600_000);
});
