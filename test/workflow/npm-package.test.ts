import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

/**
 * The published package: `npm pack` at the root gives `stowaway-X.tgz`, one self-contained
 * bundle (lint, sidecar, inject; no dependencies), which installs with the network off into an
 * empty prefix and runs from a directory where no package of this repository can be resolved.
 */
const root = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  workspaces: string[];
  dependencies?: object;
};

describe("versions", () => {
  it("every package carries the root package.json's version, and the CLI reports it", () => {
    expect(root.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const ws of root.workspaces) {
      const pkg = JSON.parse(readFileSync(join(REPO_ROOT, ws, "package.json"), "utf8")) as {
        name: string;
        version: string;
        dependencies?: Record<string, string>;
      };
      expect(pkg.version, pkg.name).toBe(root.version);
      for (const [dep, range] of Object.entries(pkg.dependencies ?? {}))
        if (dep.startsWith("@stowaway/")) expect(range, `${pkg.name} → ${dep}`).toBe(root.version);
    }
    expect(runCli(["--version"]).stdout.trim()).toBe(root.version);
  });
});

describe("the stowaway tarball", () => {
  const work = mkdtempSync(join(tmpdir(), "stowaway-npm-package-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const prefix = join(work, "prefix");
  const elsewhere = mkdtempSync(join(work, "cwd-"));
  const bin = join(prefix, "bin", "stowaway");
  // No NODE_PATH, no repository on the way up from the working directory.
  const env = { PATH: `${join(prefix, "bin")}:${process.env.PATH}`, HOME: work, NO_COLOR: "1" };
  const stowaway = (args: string[], cwd = elsewhere) => spawnSync(bin, args, { cwd, env, encoding: "utf8", timeout: 60_000 });
  let installed = false;

  it("packs as stowaway-<version>.tgz with the bundle and no dependencies, and installs offline into an empty prefix", () => {
    expect(root.name).toBe("stowaway");
    expect(root.dependencies ?? {}).toEqual({});
    // --ignore-scripts: `npm test` has built already, and a rebuild would pull dist/ from under tests running beside this one.
    const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    expect(pack.stdout.trim()).toBe(`stowaway-${root.version}.tgz`);
    const tarball = join(work, pack.stdout.trim());
    const list = spawnSync("tar", ["tzf", tarball], { encoding: "utf8" }).stdout.split("\n");
    expect(list).toContain("package/packages/cli/dist/bundle/main.js");
    expect(list).toContain("package/packages/cli/dist/bundle/sidecar.cjs");
    // The chunks the bundle loads on demand (sidecar-config.cjs, sidecar-metrics.cjs…) ship too.
    for (const f of readdirSync(join(REPO_ROOT, "packages/cli/dist/bundle"))) expect(list).toContain(`package/packages/cli/dist/bundle/${f}`);
    expect(list.filter((f) => f.endsWith(".ts") || f.includes("/src/"))).toEqual([]);

    const install = spawnSync("npm", ["install", "-g", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", tarball], {
      cwd: work,
      env: { ...process.env, HOME: work, npm_config_cache: join(work, "npm-cache") },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(install.status, install.stderr).toBe(0);
    const pkgDir = join(prefix, "lib", "node_modules", "stowaway");
    expect(readdirSync(pkgDir)).toEqual(expect.arrayContaining(["README.md", "package.json", "packages"]));
    expect(existsSync(join(pkgDir, "node_modules"))).toBe(false);
    expect(readdirSync(join(prefix, "lib", "node_modules"))).toEqual(["stowaway"]);
    installed = true;
  }, 180_000);

  it("runs lint, sidecar --help and inject --help", () => {
    expect(installed).toBe(true);
    expect(stowaway(["--version"]).stdout.trim()).toBe(root.version);
    const sidecar = stowaway(["sidecar", "--help"]);
    expect(sidecar.status, sidecar.stderr).toBe(0);
    expect(sidecar.stdout).toMatch(/Usage: stowaway sidecar/);
    const inject = stowaway(["inject", "--help"]);
    expect(inject.status, inject.stderr).toBe(0);
    expect(inject.stdout).toMatch(/Usage: stowaway inject/);
    // The sidecar chunk really loads (a missing config is its own error, exit 2).
    const missing = stowaway(["sidecar", "--config", join(work, "absent.yaml"), "--once"]);
    expect(missing.status, missing.stderr).toBe(2);
    expect(missing.stdout + missing.stderr).toMatch(/absent\.yaml/);
  });

  it("finds exactly what the repository's own binary finds", () => {
    expect(installed).toBe(true);
    const target = join(REPO_ROOT, "examples/dockerfiles/bad");
    const packed = stowaway(["lint", "--format", "json", target]);
    const repo = runCli(["lint", "--format", "json", target], { cwd: elsewhere });
    expect(packed.status).toBe(1);
    expect(packed.status).toBe(repo.code);
    const strip = (text: string) => JSON.parse(text).findings.map((f: Record<string, unknown>) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.secret}`);
    const found = strip(packed.stdout);
    expect(found.length).toBeGreaterThan(10);
    expect(found).toEqual(strip(repo.stdout));
    // inject runs too (it loads the sidecar's config parser from the bundle).
    const args = ["inject", join(REPO_ROOT, "examples/kubernetes/app.yaml"), "--config", join(REPO_ROOT, "examples/kubernetes/sidecar.yaml")];
    const inject = stowaway(args);
    expect(inject.status, inject.stderr).toBe(0);
    expect(inject.stdout).toContain("restartPolicy: Always");
    expect(inject.stdout).toBe(runCli(args, { cwd: elsewhere }).stdout);
  });
});
