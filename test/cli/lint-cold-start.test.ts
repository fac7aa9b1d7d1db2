// Issue 16: a one-file lint (what a pre-commit hook runs) starts from main.js alone. It loads no ES
// module at all (the worker, sidecar, inject and exec chunks are ES modules, and an ES module costs
// node's ESM loader; the config parser and the compose linter are built like main.js), neither node:crypto
// (the first fingerprints' SHA-256 is in JavaScript) nor perf_hooks, worker_threads or
// child_process; and it runs with the V8 code caches that the build made. A test fails here if one
// of them is imported eagerly again. The real CLI; what a process loaded comes from node itself
// (process.moduleLoadList, the ESM loader's hooks) and from a preloaded readFileSync.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT, runCli } from "../helpers/cli.js";

const BUNDLE = join(REPO_ROOT, "packages/cli/dist/bundle");
const LOADER = join(REPO_ROOT, "packages/cli/bin/load-bundle.js");

// Preloaded with --require: the builtin modules the process loaded, at exit.
const BUILTINS_HOOK = join(REPO_ROOT, "test/helpers/builtins-log.cjs");
// Preloaded with --require: every file the process reads with readFileSync (before load-bundle.js
// takes it), which is how the CLI reads main.js and the chunks built like it (lint-config.js).
const READS_HOOK = `
const fs = require("node:fs");
const read = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
  if (typeof file === "string") fs.appendFileSync(process.env.STOWAWAY_TEST_READS_LOG, file + "\\n");
  return read.call(this, file, ...rest);
};`;
// Preloaded with --import: the URL of every ES module the process loads, from the loader's hooks.
const ESM_HOOK = `
import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(\`
import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  appendFileSync(process.env.STOWAWAY_TEST_ESM_LOG, url + "\\\\n");
  return next(url, context);
}\`));
`;
// Builtins that a one-file Dockerfile or env lint must not load.
const NOT_LOADED = ["crypto", "perf_hooks", "worker_threads", "child_process"];

let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "stowaway-cold-"));
  writeFileSync(join(dir, "esm-log.mjs"), ESM_HOOK);
  writeFileSync(join(dir, "reads.cjs"), READS_HOOK);
  const app = join(dir, "app");
  mkdirSync(app);
  // A finding in each, so that the fingerprint (and its hash) runs.
  writeFileSync(join(app, "Dockerfile"), "FROM alpine:3.20\nENV DB_PASSWORD=Zq8vTx2mLw5pRc\nRUN echo hi\n");
  writeFileSync(join(app, ".env"), "API_KEY=Vb7nRt3qXw9z\n");
  writeFileSync(join(app, "compose.yaml"), "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: Hk3mQx9wVt7b\n");
  const configured = join(dir, "configured");
  mkdirSync(configured);
  writeFileSync(join(configured, ".stowaway.yaml"), "lint:\n  failOn: error\n");
  writeFileSync(join(configured, "Dockerfile"), "FROM alpine:3.20\nENV DB_PASSWORD=Zq8vTx2mLw5pRc\n");
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The builtin modules loaded by `node <args>` (node's own start-up included). */
function builtinsOf(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string; builtins: string[] } {
  const log = join(dir, `builtins-${++n}.txt`);
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", NODE_OPTIONS: `--require=${BUILTINS_HOOK}`, STOWAWAY_TEST_BUILTINS_LOG: log },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, builtins: readFileSync(log, "utf8").split("\n") };
}

/** The chunks of the CLI's bundle (not main.js, nor a cache) that `stowaway <args>` loads: imported as ES modules, or read to be compiled. */
function chunksOf(args: string[], cwd: string): { code: number | null; chunks: string[] } {
  const { code, files } = bundleFilesOf(args, cwd);
  return { code, chunks: [...new Set(files)].filter((f) => f !== "main.js" && !f.endsWith(".v8cache")).sort() };
}

/** Every load of a file of the CLI's bundle by `stowaway <args>`, in order, repeats included. */
function bundleFilesOf(args: string[], cwd: string): { code: number | null; files: string[] } {
  const esmLog = join(dir, `esm-${++n}.txt`);
  const readsLog = join(dir, `reads-${n}.txt`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      NO_COLOR: "1",
      NODE_OPTIONS: `--require=${join(dir, "reads.cjs")} --import=${join(dir, "esm-log.mjs")}`,
      STOWAWAY_TEST_ESM_LOG: esmLog,
      STOWAWAY_TEST_READS_LOG: readsLog,
    },
  });
  const lines = (f: string) => (existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : []);
  const files = [
    ...lines(esmLog)
      .filter((u) => u.startsWith("file:"))
      .map((u) => fileURLToPath(u)),
    ...lines(readsLog),
  ];
  return { code: r.status, files: files.filter((f) => f.startsWith(`${BUNDLE}/`)).map((f) => f.slice(BUNDLE.length + 1)) };
}

describe("cold start of a one-file lint", () => {
  it("the build made main.js, lint-command.js, lint-config.js and lint-compose.js with a build id, and code caches for them: lint and cli for main, lint for the chunks", () => {
    const idOf = (f: string) => /^\/\/ stowaway-build ([0-9a-f]{16})\n/.exec(readFileSync(join(BUNDLE, f), "utf8"))?.[1];
    const [main, command, config, compose] = ["main.js", "lint-command.js", "lint-config.js", "lint-compose.js"].map(idOf);
    for (const id of [main, command, config, compose]) expect(id).toMatch(/^[0-9a-f]{16}$/);
    const caches = readdirSync(BUNDLE).filter((f) => f.endsWith(".v8cache"));
    expect(caches.sort()).toEqual([
      `lint-command-lint-${command}.v8cache`,
      `lint-compose-lint-${compose}.v8cache`,
      `lint-config-lint-${config}.v8cache`,
      `main-cli-${main}.v8cache`,
      `main-lint-${main}.v8cache`,
    ]);
  });

  it("a Dockerfile, an env file, a compose file, a project with a config and `sidecar --help` load no ES module, and the linter none of crypto, perf_hooks, worker_threads or child_process", () => {
    const bare = builtinsOf(["-e", ""], dir).builtins;
    const esm = (list: string[]) => list.filter((m) => m.startsWith("NativeModule internal/modules/esm/") && !bare.includes(m));
    for (const file of ["Dockerfile", ".env"]) {
      const run = builtinsOf([CLI, "lint", file], join(dir, "app"));
      expect(run.code, file).toBe(1);
      expect(run.stderr, file).toBe("");
      expect(run.stdout).toContain(file);
      expect(esm(run.builtins), file).toEqual([]);
      expect(
        NOT_LOADED.filter((m) => run.builtins.includes(`NativeModule ${m}`)),
        file,
      ).toEqual([]);
    }
    // A project with a .stowaway.yaml: its parser is built like main.js, so no ES module either.
    const configured = builtinsOf([CLI, "lint", "Dockerfile"], join(dir, "configured"));
    expect(configured.code).toBe(1);
    expect(esm(configured.builtins)).toEqual([]);
    const help = builtinsOf([CLI, "sidecar", "--help"], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--config");
    expect(esm(help.builtins)).toEqual([]);
    // The compose linter is built like main.js too.
    const compose = builtinsOf([CLI, "lint", "compose.yaml"], join(dir, "app"));
    expect(compose.code).toBe(1);
    expect(esm(compose.builtins)).toEqual([]);
    // The control: `inject` is an ES module chunk, so running it loads the ESM loader (here it
    // then fails on a missing file).
    const inject = builtinsOf([CLI, "inject", "missing.yaml", "--config", "missing-sidecar.yaml"], dir);
    expect(inject.code).toBe(2);
    expect(inject.stderr).toContain("missing.yaml");
    expect(esm(inject.builtins).length).toBeGreaterThan(0);
  });

  it("the chunks are loaded when needed: the lint command for a lint, compose for a compose file, the config parser for a .stowaway.yaml, no more for a Dockerfile", () => {
    expect(chunksOf(["lint", "Dockerfile"], join(dir, "app"))).toEqual({ code: 1, chunks: ["lint-command.js"] });
    expect(chunksOf(["lint", "compose.yaml"], join(dir, "app"))).toEqual({ code: 1, chunks: ["lint-command.js", "lint-compose.js"] });
    expect(chunksOf(["lint", "Dockerfile"], join(dir, "configured"))).toEqual({ code: 1, chunks: ["lint-command.js", "lint-config.js"] });
    // main.js is commander and the command table: the sidecar, exec and inject never compile the linter.
    expect(chunksOf(["sidecar", "--help"], dir)).toEqual({ code: 0, chunks: [] });
  });

  it("each chunk is loaded once a run, however many files and configs need it", () => {
    const many = join(dir, "many");
    for (const p of ["a", "b", "c"]) {
      mkdirSync(join(many, p), { recursive: true });
      writeFileSync(join(many, p, "compose.yaml"), "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: Hk3mQx9wVt7b\n");
      writeFileSync(join(many, p, ".stowaway.yaml"), `lint:\n  failOn: ${p === "a" ? "warning" : "error"}\n`);
    }
    const { code, files } = bundleFilesOf(["lint", "a/compose.yaml", "b/compose.yaml", "c/compose.yaml"], many);
    expect(code).toBe(1);
    const times = (f: string) => files.filter((x) => x === f).length;
    expect(["main.js", "lint-command.js", "lint-config.js", "lint-compose.js"].map(times)).toEqual([1, 1, 1, 1]);
  });

  it("this node accepts the code caches", () => {
    const check = `const { loadBundle } = require(${JSON.stringify(LOADER)});
      const load = (f, k) => loadBundle(require("node:path").join(${JSON.stringify(BUNDLE)}, f), k).cacheRejected;
      console.log(JSON.stringify([load("main.js", "lint"), load("main.js", "cli"), load("lint-command.js", "lint"), load("lint-config.js", "lint"), load("lint-compose.js", "lint")]));`;
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // V8 rejects a cache made under other flags
    const r = spawnSync(process.execPath, ["-e", check], { encoding: "utf8", env });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([false, false, false, false, false]);
  });

  it("a cache that V8 rejects, or none, changes nothing but the time; an ES module bundle still runs", () => {
    const expected = runCli(["lint", "Dockerfile"], { cwd: join(dir, "app") });
    expect(expected.code).toBe(1);
    const copy = join(dir, "cli");
    cpSync(join(REPO_ROOT, "packages/cli/bin"), join(copy, "bin"), { recursive: true });
    cpSync(BUNDLE, join(copy, "dist/bundle"), { recursive: true });
    cpSync(join(REPO_ROOT, "packages/cli/package.json"), join(copy, "package.json"));
    const caches = readdirSync(join(copy, "dist/bundle")).filter((f) => f.endsWith(".v8cache"));
    const run = () =>
      spawnSync(process.execPath, [join(copy, "bin/stowaway.js"), "lint", "Dockerfile"], {
        cwd: join(dir, "app"),
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
    for (const f of caches) writeFileSync(join(copy, "dist/bundle", f), Buffer.alloc(4096, 7));
    const garbage = run();
    expect({ code: garbage.status, stdout: garbage.stdout, stderr: garbage.stderr }).toEqual(expected);
    for (const f of caches) rmSync(join(copy, "dist/bundle", f));
    const none = run();
    expect({ code: none.status, stdout: none.stdout, stderr: none.stderr }).toEqual(expected);
    // A bundle built before main.js was CommonJS (an ES module, no build id) is imported as one.
    writeFileSync(join(copy, "dist/bundle/main.js"), 'export async function main(args, io) { io.stdout.write(`esm ${args.join(" ")}\\n`); return 0; }\n');
    const esm = run();
    expect({ code: esm.status, stdout: esm.stdout, stderr: esm.stderr }).toEqual({ code: 0, stdout: "esm lint Dockerfile\n", stderr: "" });
  });
});
