import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ignore from "@balena/dockerignore";
import { afterAll, describe, expect, it } from "vitest";
import { dockerInstructions, repoRoot, stowaway } from "./helpers.js";

const dockerfile = readFileSync(join(repoRoot, "packages/sidecar/Dockerfile"), "utf8");
const instructions = dockerInstructions(dockerfile);

describe("packages/sidecar/Dockerfile", () => {
  it("lints clean with stowaway lint", () => {
    const res = stowaway(["lint", "packages/sidecar/Dockerfile"]);
    expect(res.stdout + res.stderr).toBe("");
    expect(res.status).toBe(0);
  });

  it("copies only files that exist in the repository and that .dockerignore lets through", () => {
    const dockerignore = ignore.default().add(readFileSync(join(repoRoot, ".dockerignore"), "utf8"));
    const sources: string[] = [];
    for (const { keyword, args } of instructions) {
      if (keyword !== "COPY" || /--from=/.test(args)) continue;
      const words = args.split(/\s+/).filter((w) => !w.startsWith("--"));
      sources.push(...words.slice(0, -1));
    }
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) {
      expect(existsSync(join(repoRoot, src)), `${src} exists`).toBe(true);
      expect(dockerignore.ignores(src.replace(/\/$/, "")), `${src} is not excluded by .dockerignore`).toBe(false);
    }
    // And the allowlist keeps out what must never reach a layer.
    for (const path of ["node_modules", ".git", "examples/compose/approle/secret_id", "packages/cli/dist/main.js", ".env", "packages/sidecar/src/.env"]) {
      expect(dockerignore.ignores(path), `${path} is excluded`).toBe(true);
    }
  });

  it("pins its base images by tag, runs as a numeric non-root user, and has a healthcheck and an entrypoint", () => {
    const froms = instructions.filter((i) => i.keyword === "FROM").map((i) => i.args.split(/\s+/)[0]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const image of froms) expect(image).toMatch(/^node:\d+-alpine$/);
    const last = instructions.slice(instructions.map((i) => i.keyword).lastIndexOf("FROM"));
    const user = last.filter((i) => i.keyword === "USER").at(-1)?.args;
    expect(user).toBe("65532:65532");
    expect(last.find((i) => i.keyword === "HEALTHCHECK")?.args).toMatch(/CMD \["node", "-e", .*\/healthz/);
    // node runs the CLI with the V8 memory flags that NODE_OPTIONS cannot carry (issue 16).
    expect(JSON.parse(last.find((i) => i.keyword === "ENTRYPOINT")!.args)).toEqual([
      "node",
      "--max-semi-space-size=1",
      "--optimize-for-size",
      "--no-opt",
      "--jitless",
      "--no-expose-wasm",
      "/opt/stowaway/node_modules/.bin/stowaway",
    ]);
    expect(JSON.parse(last.find((i) => i.keyword === "CMD")!.args)).toEqual(["sidecar", "--config", "/etc/stowaway/sidecar.yaml"]);
    // Production dependencies only in the stage the runtime copies from.
    expect(dockerfile).toMatch(/npm install --omit=dev/);
  });
});

/**
 * What the image's install stage does, on this machine: pack every workspace package, install the
 * tarballs with production dependencies only into an empty project, run the entrypoint.
 * About 10 s with a warm npm cache (--prefer-offline).
 */
describe("the packed packages, installed with production dependencies only", () => {
  const work = mkdtempSync(join(tmpdir(), "stowaway-pack-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const project = join(work, "project");
  const bin = (name: string) => join(project, "node_modules", ".bin", name);
  let installed = false;

  it("install from the tarballs alone", () => {
    const pack = spawnSync("npm", ["pack", "--workspaces", "--ignore-scripts", "--pack-destination", work], { cwd: repoRoot, encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    const tarballs = readdirSync(work)
      .filter((f) => f.endsWith(".tgz"))
      .sort();
    expect(tarballs).toEqual(["stowaway-cli-0.1.0.tgz", "stowaway-lint-0.1.0.tgz", "stowaway-sidecar-0.1.0.tgz", "stowaway-vault-dev-0.1.0.tgz"]);

    spawnSync("mkdir", [project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "stowaway-image-test", private: true }));
    const install = spawnSync(
      "npm",
      ["install", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", ...tarballs.map((t) => join(work, t))],
      { cwd: project, encoding: "utf8", timeout: 120_000 },
    );
    expect(install.status, install.stderr).toBe(0);
    // Our packages must come from the tarballs, never from a registry package of the same name.
    const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8")) as { packages: Record<string, { resolved?: string; dev?: boolean }> };
    for (const name of ["@stowaway/cli", "@stowaway/lint", "@stowaway/sidecar", "@stowaway/vault-dev"]) {
      expect(lock.packages[`node_modules/${name}`]?.resolved, name).toMatch(/^file:.*\.tgz$/);
    }
    expect(existsSync(join(project, "node_modules", "typescript")), "no dev dependencies").toBe(false);
    installed = true;
  }, 180_000);

  it("runs the entrypoint: stowaway sidecar --help, and the sidecar itself loads", () => {
    expect(installed).toBe(true);
    const help = spawnSync(bin("stowaway"), ["sidecar", "--help"], { encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage: stowaway sidecar \[options\]/);
    expect(help.stdout).toMatch(/--once/);
    // --help never imports the sidecar; a missing config does, and is refused with exit 2.
    const missing = spawnSync(bin("stowaway"), ["sidecar", "--config", join(work, "absent.yaml")], { encoding: "utf8" });
    expect(missing.status, missing.stdout + missing.stderr).toBe(2);
    expect(missing.stdout + missing.stderr).toMatch(/absent\.yaml/);
    const vaultDev = spawnSync(bin("vault-dev"), ["--help"], { encoding: "utf8" });
    expect(vaultDev.status).toBe(0);
    expect(vaultDev.stdout).toMatch(/Usage: vault-dev/);
  });

  it("does real work with production dependencies only: sidecar --once against the packed vault-dev", async () => {
    expect(installed).toBe(true);
    writeFileSync(join(work, "seed.yaml"), "kv2:\n  app/db:\n    DB_PASSWORD: packed-example-not-a-secret\n");
    const vault = spawn(bin("vault-dev"), ["--port", "0", "--root-token", "root", "--seed", join(work, "seed.yaml"), "--quiet"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = mkdtempSync("/dev/shm/stowaway-pack-test-");
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = "";
        vault.stdout.on("data", (d) => {
          text += d;
          const m = /listening on (http:\/\/\S+)/.exec(text);
          if (m) resolve(m[1]);
        });
        vault.once("exit", (code) => reject(new Error(`vault-dev exited ${code}`)));
      });
      writeFileSync(
        join(work, "sidecar.yaml"),
        `vault: { address: "${url}", auth: { method: token } }\noutput: { dir: ${out} }\nlisten: false\nsecrets:\n  - { path: secret/data/app/db, file: db.env }\n`,
      );
      const once = spawnSync(bin("stowaway"), ["sidecar", "--config", join(work, "sidecar.yaml"), "--once", "--once-timeout", "20s"], {
        encoding: "utf8",
        env: { ...process.env, VAULT_TOKEN: "root" },
        timeout: 30_000,
      });
      expect(once.status, once.stdout + once.stderr).toBe(0);
      expect(readFileSync(join(out, "db.env"), "utf8")).toMatch(/^DB_PASSWORD=/m);
    } finally {
      vault.kill("SIGTERM");
      rmSync(out, { recursive: true, force: true });
    }
  });
});
