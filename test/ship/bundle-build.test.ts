// scripts/bundle.mjs builds its bundles in parallel: esbuild makes the output folder when one of
// its builds writes, while main.js and the chunks built like it are written by the script itself.
// A CI run (and pre-commit's `npm install` of the hook, which builds) failed with ENOENT when the
// script's own write came first (1 build in 8 here). This runs the script on a copy of the built
// packages with esbuild's writing builds held back, so the order that failed is the one tested.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "stowaway-bundle-build-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function copyTree(): string {
  const root = join(work, "repo");
  mkdirSync(join(root, "scripts"), { recursive: true });
  cpSync(join(repoRoot, "scripts/bundle.mjs"), join(root, "scripts/bundle.mjs"));
  cpSync(join(repoRoot, "package.json"), join(root, "package.json"));
  symlinkSync(join(repoRoot, "node_modules"), join(root, "node_modules"));
  for (const pkg of ["lint", "sidecar", "cli"]) {
    cpSync(join(repoRoot, "packages", pkg, "dist"), join(root, "packages", pkg, "dist"), {
      recursive: true,
      filter: (src) => !src.includes("/dist/bundle"),
    });
  }
  cpSync(join(repoRoot, "packages/cli/bin"), join(root, "packages/cli/bin"), { recursive: true });
  return root;
}

// An ESM resolve hook that gives bundle.mjs an esbuild whose writing builds finish 400 ms late.
function slowEsbuildHook(): string {
  const realEsbuild = pathToFileURL(join(repoRoot, "node_modules/esbuild/lib/main.js")).href;
  const wrapper = join(work, "slow-esbuild.mjs");
  writeFileSync(
    wrapper,
    `import real from ${JSON.stringify(realEsbuild)};
export const transform = real.transform;
export async function build(options) {
  if (options.write === false) return real.build(options);
  await new Promise((r) => setTimeout(r, 400));
  return real.build(options);
}
`,
  );
  const hooks = join(work, "hooks.mjs");
  writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
  if (specifier === "esbuild" && context.parentURL?.endsWith("/scripts/bundle.mjs")) {
    return { url: ${JSON.stringify(pathToFileURL(wrapper).href)}, shortCircuit: true };
  }
  return next(specifier, context);
}
`,
  );
  const register = join(work, "register.mjs");
  writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return register;
}

describe("scripts/bundle.mjs", () => {
  it("builds when esbuild's writing builds finish after the script's own writes", () => {
    const root = copyTree();
    const register = slowEsbuildHook();
    const r = spawnSync(process.execPath, ["--import", pathToFileURL(register).href, join(root, "scripts/bundle.mjs")], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.stderr).not.toContain("ENOENT");
    expect(r.status, r.stderr).toBe(0);
    const out = readdirSync(join(root, "packages/cli/dist/bundle"));
    for (const file of ["main.js", "lint-command.js", "lint-compose.js", "lint-config.js", "inject.js", "exec.cjs", "sidecar.cjs", "lint-worker.js"]) {
      expect(out).toContain(file);
    }
    expect(out.some((f) => f.endsWith(".v8cache"))).toBe(true);
    expect(existsSync(join(repoRoot, "packages/cli/dist/bundle/main.js"))).toBe(true);
  }, 120_000);
});
