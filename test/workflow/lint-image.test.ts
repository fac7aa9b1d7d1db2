import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ignore from "@balena/dockerignore";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { dockerInstructions } from "../ship/helpers.js";

/**
 * lint.Dockerfile, the linter's image. No Docker engine here, so: it passes our own linter, its
 * COPY sources exist and get through .dockerignore, and its install stage and entrypoint are
 * replayed on this machine (pack, offline install into an empty prefix, ENTRYPOINT + CMD in a
 * mounted-source-like directory).
 */
const text = readFileSync(join(REPO_ROOT, "lint.Dockerfile"), "utf8");
const instructions = dockerInstructions(text);
const last = instructions.slice(instructions.map((i) => i.keyword).lastIndexOf("FROM"));

describe("lint.Dockerfile", () => {
  it("passes stowaway lint", () => {
    expect(runCli(["lint", "lint.Dockerfile"])).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const dockerignore = ignore.default().add(readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8"));
    const sources = instructions
      .filter((i) => i.keyword === "COPY" && !/--from=/.test(i.args))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((w) => !w.startsWith("--"))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) {
      expect(existsSync(join(REPO_ROOT, src)), src).toBe(true);
      expect(dockerignore.ignores(src.replace(/\/$/, "")), src).toBe(false);
    }
  });

  it("runs as a numeric non-root user with stowaway as the entrypoint and `lint .` in /src by default", () => {
    expect(last.filter((i) => i.keyword === "USER").at(-1)?.args).toBe("65532:65532");
    expect(last.find((i) => i.keyword === "WORKDIR")?.args).toBe("/src");
    expect(JSON.parse(last.find((i) => i.keyword === "ENTRYPOINT")!.args)).toEqual(["stowaway"]);
    expect(JSON.parse(last.find((i) => i.keyword === "CMD")!.args)).toEqual(["lint", "."]);
    for (const from of instructions.filter((i) => i.keyword === "FROM")) expect(from.args).toMatch(/^node:\d+-alpine\b/);
  });

  describe("its install stage and entrypoint, replayed", () => {
    const work = mkdtempSync(join(tmpdir(), "stowaway-lint-image-"));
    afterAll(() => rmSync(work, { recursive: true, force: true }));
    const prefix = join(work, "opt-stowaway");

    it("installs the packed tarball offline and runs ENTRYPOINT + CMD on a mounted checkout", () => {
      const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: REPO_ROOT, encoding: "utf8" });
      expect(pack.status, pack.stderr).toBe(0);
      // The stage's own command, with its prefix moved here.
      const installLine = instructions
        .find((i) => i.keyword === "RUN" && i.args.includes("npm install -g"))!
        .args.split("&&")[0]
        .trim();
      const args = installLine
        .replace(/^npm /, "")
        .replace("/opt/stowaway", prefix)
        .replace("/pack/stowaway-*.tgz", join(work, pack.stdout.trim()))
        .split(/\s+/);
      const install = spawnSync("npm", args, { cwd: work, encoding: "utf8", env: { ...process.env, npm_config_cache: join(work, "cache") }, timeout: 120_000 });
      expect(install.status, install.stderr).toBe(0);

      const src = join(work, "src");
      mkdirSync(join(src, "svc"), { recursive: true });
      writeFileSync(join(src, "svc", "Dockerfile"), "FROM alpine\nENV DB_PASSWORD=LintImageFixturePw7\n");
      writeFileSync(join(src, "compose.yaml"), "services:\n  app:\n    image: app\n    environment:\n      API_KEY_FILE: /run/secrets/api_key\n");
      const entry = [...JSON.parse(last.find((i) => i.keyword === "ENTRYPOINT")!.args), ...JSON.parse(last.find((i) => i.keyword === "CMD")!.args)];
      const path = `${join(prefix, "bin")}:${process.env.PATH}`;
      const run = spawnSync(entry[0], entry.slice(1), { cwd: src, encoding: "utf8", env: { PATH: path, NODE_ENV: "production", HOME: work } });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stdout).toMatch(/^svc\/Dockerfile$/m);
      expect(run.stdout).toMatch(/2:17 +error +ENV DB_PASSWORD/);
      expect(run.stdout).not.toContain("LintImageFixturePw7");
      // And with arguments, as `docker run … stowaway/lint lint --format sarif .` passes them.
      const sarif = spawnSync(entry[0], ["lint", "--format", "sarif", "."], { cwd: src, encoding: "utf8", env: { PATH: path, HOME: work } });
      expect(JSON.parse(sarif.stdout).runs[0].results).toHaveLength(1);
    }, 180_000);
  });
});
