// Issue 16: a sidecar loads only the code its config uses. prom-client (until /metrics is first
// scraped), chokidar (not in --once, nor with reload.watch false), mustache (no template), the PKI source and exec are chunks of
// the bundle that a plain KV config never loads; /metrics counts what happened before prom-client
// was loaded; and the config parser is dropped after use. The real CLI against vault-dev; node's
// loader hooks list the modules it loads.
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultEnv, fileText, fixture, leaks, metrics, readyz, sleep, spawnSidecar, until } from "../faults/sidecar-helpers.js";
import { ROOT } from "./helpers.js";

const BUNDLE = path.join(ROOT, "packages/cli/dist/bundle");
const HOOK = path.join(ROOT, "test/sidecar/fixtures/module-log.mjs");
/**
 * Each lazy part, by a string found only in its own code, so that the check holds whichever file
 * esbuild puts the code in (a static import would move it into sidecar.cjs or a shared chunk).
 */
const PARTS = {
  "prom-client": "version=0.0.4", // its Prometheus content type
  chokidar: "FSWatcher",
  mustache: "Unclosed tag",
  pki: "X509Certificate",
  exec: "stowaway_exec_child_pid",
} as const;
type Part = keyof typeof PARTS;
const LAZY = ["sidecar-metrics.cjs", "sidecar-watch.cjs", "sidecar-template.cjs", "sidecar-pki.cjs", "sidecar-exec.cjs"];

describe("lazy chunks of the sidecar bundle", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  let logs: string;
  let n = 0;
  beforeAll(async () => {
    env = await faultEnv({ kv2: { "app/db": { password: fixture("lazy-db") }, "app/api": { key: fixture("lazy-api") } } });
    logs = mkdtempSync(path.join(os.tmpdir(), "stowaway-lazy-"));
  });
  afterAll(async () => {
    await env?.close();
    if (logs) rmSync(logs, { recursive: true, force: true });
    expect(leaks.check()).toEqual([]);
  });

  /** The start (a snapshot keeps 1,024 characters) of every string of over 100 kB in a heap snapshot. */
  function bigStrings(snap: { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] }): string[] {
    const fields = snap.snapshot.meta.node_fields;
    const [type, name, size] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
    const out: string[] = [];
    for (let i = 0; i < snap.nodes.length; i += fields.length) {
      if (snap.snapshot.meta.node_types[0][snap.nodes[i + type]] === "string" && snap.nodes[i + size] > 100_000) out.push(snap.strings[snap.nodes[i + name]]);
    }
    return out;
  }

  /** Runs the sidecar with the module log on; returns it and a reader of the bundle files it loaded. */
  function run(args: string[], subcommand = "sidecar") {
    const log = path.join(logs, `modules-${++n}.txt`);
    const p = spawnSidecar(args, { NODE_OPTIONS: `--import=${HOOK}`, STOWAWAY_TEST_MODULE_LOG: log }, subcommand);
    const files = () => {
      const urls = existsSync(log) ? readFileSync(log, "utf8").split("\n") : [];
      return [...new Set(urls.filter((u) => u.includes("/dist/bundle/")))].map((u) => fileURLToPath(u));
    };
    /** The lazy parts whose code the process has loaded. */
    const parts = () => {
      const code = files().map((f) => readFileSync(f, "utf8"));
      return (Object.keys(PARTS) as Part[]).filter((k) => code.some((c) => c.includes(PARTS[k])));
    };
    return { p, files, parts };
  }

  it("the CLI runs from the bundle (npm test builds it), which has every lazy chunk", () => {
    for (const f of ["main.js", "sidecar.cjs", ...LAZY]) expect(existsSync(path.join(BUNDLE, f)), f).toBe(true);
  });

  it("a running sidecar with plain KV files loads none of them but the config watch, and /metrics counts what happened before the first scrape", async () => {
    const { file, out } = env.config(
      "  - { path: secret/data/app/db, file: db.env, format: dotenv }\n  - { path: secret/data/app/api, file: api-key, format: raw, key: key }\n",
    );
    const { p, files, parts } = run(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("rendered", async () => (await readyz(base)) === 200);
      // A change before any scrape: rendered again (refresh 1s), counted in our own maps.
      const rotated = fixture("lazy-db2");
      await env.kvPut("app/db", { password: rotated });
      await until("re-rendered", () => fileText(path.join(out, "db.env"))?.includes(rotated) === true);
      await until("the config watch started", () => parts().includes("chokidar"));
      expect(files().map((f) => path.basename(f))).toContain("sidecar.cjs");
      expect(parts()).toEqual(["chokidar"]);

      const text = await metrics(base);
      expect(parts()).toEqual(["prom-client", "chokidar"]);
      expect(text).toMatch(/^stowaway_renders_total\{file="db.env"\} 2$/m);
      expect(text).toMatch(/^stowaway_renders_total\{file="api-key"\} 1$/m);
      expect(text).toMatch(/^stowaway_secret_version\{file="db.env",path="secret\/data\/app\/db"\} 2$/m);
      expect(text).toMatch(/^stowaway_logins_total\{outcome="ok"\} 1$/m);
      expect(text).toMatch(/^stowaway_relogins_total 0$/m);
      expect(text).toMatch(/^stowaway_ready 1$/m);
      // Every Vault request so far was timed: at least the login, and a metadata and a data read per path.
      const count = [...text.matchAll(/^stowaway_vault_request_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
      expect(count).toBeGreaterThanOrEqual(5);
      // Still counting after prom-client is loaded.
      const third = fixture("lazy-db3");
      await env.kvPut("app/db", { password: third });
      await until("re-rendered again", () => fileText(path.join(out, "db.env"))?.includes(third) === true);
      expect(await metrics(base)).toMatch(/^stowaway_renders_total\{file="db.env"\} 3$/m);
    } finally {
      await p.stop();
    }
  }, 30_000);

  it("by default a running sidecar picks up a config edit without a signal", async () => {
    const { file, out } = env.config("  - { path: secret/data/app/db, file: db.env }\n");
    const { p, parts } = run(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("rendered", async () => (await readyz(base)) === 200);
      appendFileSync(file, "  - { path: secret/data/app/api, file: api-key, format: raw, key: key }\n");
      await until("the edit applied", () => fileText(path.join(out, "api-key"))?.startsWith("lazy-api-") === true);
      expect(p.output()).toMatch(/"reason":"(file changed|periodic re-read)".*"msg":"config reloaded"/);
      expect(parts()).toEqual(["chokidar"]);
    } finally {
      await p.stop();
    }
  }, 30_000);

  it("with reload.watch false the config watch is never loaded and an edit waits for SIGHUP", async () => {
    const { file, out } = env.config("  - { path: secret/data/app/db, file: db.env }\n", { extra: "reload: { watch: false }\n" });
    const { p, parts } = run(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("rendered", async () => (await readyz(base)) === 200);
      appendFileSync(file, "  - { path: secret/data/app/api, file: api-key, format: raw, key: key }\n");
      // Longer than the watch's debounce and its 5 s re-read: a watching sidecar would have reloaded by now.
      await sleep(6_500);
      expect(fileText(path.join(out, "api-key"))).toBeUndefined();
      expect(p.output()).not.toContain("config reloaded");
      expect(parts()).toEqual([]);
      p.child.kill("SIGHUP");
      await until("reloaded on SIGHUP", () => fileText(path.join(out, "api-key"))?.startsWith("lazy-api-") === true);
      expect(p.output()).toMatch(/"reason":"SIGHUP".*"msg":"config reloaded"/);
      expect(parts()).toEqual([]);
      // The switch is read at start: turned on by a reload, it only says so.
      writeFileSync(file, readFileSync(file, "utf8").replace("reload: { watch: false }", "reload: { watch: true }"));
      p.child.kill("SIGHUP");
      await p.waitFor(/reload\.watch changed: restart the sidecar to apply it/);
      await sleep(500);
      expect(parts()).toEqual([]);
    } finally {
      await p.stop();
    }
  }, 30_000);

  it("--once loads no config watch; a template loads the template engine and nothing else", async () => {
    const plain = env.config("  - { path: secret/data/app/db, file: db.env }\n");
    const a = run(["--config", plain.file, "--once"]);
    expect((await a.p.exited).code).toBe(0);
    expect(a.files().map((f) => path.basename(f))).toContain("sidecar.cjs");
    expect(a.parts()).toEqual([]);

    const templated = env.config('  - { path: secret/data/app/api, file: api.conf, format: template, template: "key={{key}}\\n" }\n');
    const b = run(["--config", templated.file, "--once"]);
    expect((await b.p.exited).code).toBe(0);
    expect(fileText(path.join(templated.out, "api.conf"))).toMatch(/^key=lazy-api-/);
    expect(b.parts()).toEqual(["mustache"]);
  }, 30_000);

  it("a plain-http sidecar loads neither node's ESM loader nor https, tls, worker_threads, perf_hooks or assert", async () => {
    // Each is resident memory for the sidecar's whole life (the ESM loader about 0.4 MB, the others
    // about 0.7 MB together) and none is used by a KV config over http: the chunks are CommonJS,
    // node-vault's https and sonic-boom's assert are loaded on first use, our https agent on the
    // first https request, and request timing reads process.hrtime.
    const list = path.join(logs, "builtins.txt");
    const { file } = env.config("  - { path: secret/data/app/db, file: db.env, format: dotenv }\n");
    const p = spawnSidecar(["--config", file], {
      NODE_OPTIONS: `--require=${path.join(ROOT, "test/helpers/builtins-log.cjs")}`,
      STOWAWAY_TEST_BUILTINS_LOG: list,
    });
    try {
      const base = await p.baseUrl();
      await until("rendered", async () => (await readyz(base)) === 200);
    } finally {
      await p.stop();
    }
    const loaded = readFileSync(list, "utf8").split("\n");
    // The control: what it does use is listed.
    expect(loaded).toContain("NativeModule http");
    const unwanted = ["https", "tls", "worker_threads", "perf_hooks", "assert", "internal/modules/esm/translators", "internal/modules/esm/module_job"];
    expect(unwanted.filter((m) => loaded.includes(`NativeModule ${m}`))).toEqual([]);
  }, 30_000);

  it("a running sidecar keeps nothing of the CLI's bundle (main.js: commander and the command table)", async () => {
    // bin/stowaway.js calls the sidecar handed off by dispatch() once dispatch has returned; when
    // main() awaited the sidecar, main.js (its 0.25 MB source, its code) lived as long as the sidecar.
    const hook = path.join(logs, "snapshot.cjs");
    const snapshot = path.join(logs, "idle.heapsnapshot");
    writeFileSync(hook, `process.on("SIGUSR2", () => require("node:v8").writeHeapSnapshot(${JSON.stringify(snapshot)}));`);
    const { file } = env.config("  - { path: secret/data/app/db, file: db.env, format: dotenv }\n");
    const p = spawnSidecar(["--config", file], { NODE_OPTIONS: `--require=${hook}` });
    let big: string[];
    try {
      const base = await p.baseUrl();
      await until("rendered", async () => (await readyz(base)) === 200);
      p.child.kill("SIGUSR2");
      await until("the heap snapshot is written", () => existsSync(snapshot) && readFileSync(snapshot, "utf8").trimEnd().endsWith("}"));
      big = bigStrings(JSON.parse(readFileSync(snapshot, "utf8")));
    } finally {
      await p.stop();
      rmSync(snapshot, { force: true });
    }
    // The control: the sidecar's own chunk is there.
    expect(big.some((s) => s.startsWith('"use strict";var __stowawayUrl='))).toBe(true);
    expect(big.filter((s) => s.startsWith("(function (exports, require, module, __filename, __dirname, __stowawayUrl"))).toEqual([]);
  }, 30_000);

  it("the config parser (yaml, zod, the schema) is released after a parse: the heap keeps a fraction of what it takes loaded", () => {
    const r = spawnSync(process.execPath, ["--expose-gc", path.join(ROOT, "test/sidecar/fixtures/config-parser-heap.mjs"), BUNDLE], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { parsed: boolean[]; released: number; kept: number; zodGlobals: boolean };
    expect(m.parsed).toEqual([true, true]);
    expect(m.zodGlobals).toBe(true); // the control's zod set them again
    // Loaded and kept, the parser holds about 2.7 MB of heap; released, next to nothing.
    expect(m.kept).toBeGreaterThan(1_000_000);
    expect(m.released).toBeLessThan(m.kept / 4);
  });
});
