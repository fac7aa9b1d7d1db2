import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startVaultDev, type VaultDev } from "@stowaway/vault-dev";
import { CLI, fixture, isRoot, leaks, makeTmpfs, sleep, spawnSidecar, until, write, type SidecarProcess } from "./helpers.js";

const APP = fileURLToPath(new URL("./fixtures/exec-app.mjs", import.meta.url));

// Issue 18: `stowaway exec -- node app.js`, with the real CLI against vault-dev.
describe("stowaway exec (end to end)", () => {
  let vault: VaultDev;
  let tmpfs: { dir: string; cleanup(): void };
  let etc: string;
  const roleId = fixture("exec-role");
  const secretId = fixture("exec-sid");
  const running: SidecarProcess[] = [];

  beforeAll(async () => {
    vault = await startVaultDev({
      port: 0,
      seed: {
        kv2: {},
        approle: { app: { role_id: roleId, secret_id: secretId, token_ttl: "1h" } },
        database: { roles: { app: { default_ttl: "1h", max_ttl: "2h" } } },
      },
    });
    leaks.secret(vault.rootToken);
    tmpfs = makeTmpfs();
    etc = mkdtempSync(path.join(os.tmpdir(), "stowaway-exec-"));
    write(path.join(etc, "role-id"), roleId);
    write(path.join(etc, "secret-id"), secretId);
  });

  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await Promise.all(running.map((p) => p.exited));
    // A test that failed midway may leave an app whose stowaway exec was killed above.
    for (const p of running) {
      for (const m of p.output().matchAll(/^\[app\] start .*pid=(\d+)$/gm)) {
        try {
          process.kill(Number(m[1]), "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    await vault?.close();
    tmpfs?.cleanup();
    rmSync(etc, { recursive: true, force: true });
    expect(leaks.check()).toEqual([]);
  });

  let n = 0;
  /** A config with an approle login, a 1 s refresh and the given env/exec/secrets blocks; and a fresh KV path. */
  async function setup(opts: { exec?: string; env?: (p: string) => string; secrets?: (p: string) => string; extra?: string } = {}) {
    const id = ++n;
    const kvPath = `app${id}/db`;
    const out = path.join(tmpfs.dir, `x${id}`);
    const expectedFile = path.join(etc, `expected-${id}`);
    const env = opts.env ?? ((p) => `  DB_PASSWORD: { path: secret/data/${p}, key: password }\n`);
    const file = write(
      path.join(etc, `c${id}.yaml`),
      `vault:\n  address: ${vault.url}\n  retry: { initial: 200ms, max: 1s }\n  auth:\n    method: approle\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${etc}/secret-id\n` +
        `output:\n  dir: ${out}\nlisten: 127.0.0.1:0\ndefaults: { refreshInterval: 1s }\n${opts.extra ?? ""}` +
        `env:\n${env(kvPath)}` +
        (opts.exec ? `exec:\n${opts.exec}` : "") +
        (opts.secrets ? `secrets:\n${opts.secrets(kvPath)}` : ""),
    );
    let value = "";
    const bump = async () => {
      value = fixture("db-pw");
      write(expectedFile, value);
      await kvPut(kvPath, { password: value, user: "app" });
    };
    await bump();
    /** A new KV version with the same bytes: fetched again, rendered the same. */
    const rewrite = () => kvPut(kvPath, { password: value, user: "app" });
    return { file, out, expectedFile, bump, rewrite };
  }

  async function kvPut(p: string, data: Record<string, string>): Promise<void> {
    const r = await fetch(`${vault.url}/v1/secret/data/${p}`, {
      method: "POST",
      headers: { "X-Vault-Token": vault.rootToken },
      body: JSON.stringify({ data }),
    });
    expect(r.status).toBe(200);
  }

  function exec(file: string, expectedFile: string, command: string[] = [process.execPath, APP, "graceful"], env: Record<string, string> = {}): SidecarProcess {
    const p = spawnSidecar(["--config", file, "--", ...command], { EXPECTED_FILE: expectedFile, ...env }, "exec");
    running.push(p);
    return p;
  }

  const appLines = (p: SidecarProcess, what: string) =>
    p
      .output()
      .split("\n")
      .filter((l) => l.startsWith(`[app] ${what}`));
  const pidOf = (line: string) => Number(/pid=(\d+)/.exec(line)![1]);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  async function metrics(p: SidecarProcess): Promise<string> {
    const text = await (await fetch(`${await p.baseUrl()}/metrics`)).text();
    leaks.output(text);
    return text;
  }
  const metric = (text: string, name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
    return m ? Number(m[1]) : undefined;
  };

  it("the child sees DB_PASSWORD; after a bump it is restarted once and sees the new value; SIGTERM exits with the child's code", async () => {
    const s = await setup({ exec: "  debounce: 200ms\n" });
    const p = exec(s.file, s.expectedFile);
    await p.waitFor(/\[app\] start match=true vaultToken=unset pid=\d+/);
    const first = pidOf(appLines(p, "start")[0]);
    let text = await metrics(p);
    expect(metric(text, "stowaway_exec_child_pid")).toBe(first);
    expect(metric(text, "stowaway_exec_last_exit_code")).toBe(-1);
    // The first render is the sidecar's: its metrics name the env output (never its value).
    expect(text).toMatch(/^stowaway_secret_last_success_timestamp_seconds\{file="env:DB_PASSWORD",path="secret\/data\/app\d+\/db"\} \d/m);

    await s.bump();
    await until("the restarted child", () => appLines(p, "start").length >= 2, 15_000);
    const starts = appLines(p, "start");
    expect(starts[1]).toMatch(/start match=true/);
    const second = pidOf(starts[1]);
    expect(second).not.toBe(first);
    expect(appLines(p, "SIGTERM")).toEqual([`[app] SIGTERM pid=${first}`]);
    // Several more refreshes, and a new version holding the same value, restart nothing.
    await s.rewrite();
    await sleep(3000);
    expect(appLines(p, "start")).toHaveLength(2);
    text = await metrics(p);
    expect(text).toMatch(/^stowaway_exec_restarts_total\{reason="change"\} 1$/m);
    expect(metric(text, "stowaway_exec_child_pid")).toBe(second);
    expect(metric(text, "stowaway_exec_last_exit_code")).toBe(42);
    expect((await fetch(`${await p.baseUrl()}/readyz`)).status).toBe(200);

    // The app takes 200 ms to stop and exits 42: well within the default 10 s stopTimeout.
    const stopped = await p.stop("SIGTERM");
    expect(stopped.code).toBe(42);
    expect(stopped.ms).toBeLessThan(10_000);
    expect(appLines(p, "SIGTERM").at(-1)).toBe(`[app] SIGTERM pid=${second}`);
    expect(alive(second)).toBe(false);
  });

  it("onChange: signal sends SIGHUP and keeps the pid", async () => {
    const s = await setup({ exec: "  onChange: signal\n  signal: SIGHUP\n  debounce: 200ms\n" });
    const p = exec(s.file, s.expectedFile);
    await p.waitFor(/\[app\] start match=true/);
    const pid = pidOf(appLines(p, "start")[0]);
    await s.bump();
    await until("SIGHUP in the child", () => appLines(p, "SIGHUP").length >= 1, 15_000);
    await sleep(2500);
    expect(appLines(p, "SIGHUP")).toEqual([`[app] SIGHUP pid=${pid}`]);
    expect(appLines(p, "start")).toHaveLength(1);
    expect(alive(pid)).toBe(true);
    expect(await p.stop("SIGTERM")).toMatchObject({ code: 42 });
  });

  it("onChange per entry: the strongest action of a burst wins (a file's signal over an env entry's none)", async () => {
    const s = await setup({
      exec: "  onChange: restart\n  debounce: 200ms\n",
      env: (kv) => `  DB_PASSWORD: { path: secret/data/${kv}, key: password, onChange: none }\n`,
      secrets: (kv) => `  - { path: secret/data/${kv}, file: db.env, onChange: signal }\n`,
    });
    const p = exec(s.file, s.expectedFile);
    await p.waitFor(/\[app\] start match=true/);
    const pid = pidOf(appLines(p, "start")[0]);
    await s.bump();
    await until("SIGHUP in the child", () => appLines(p, "SIGHUP").length >= 1, 15_000);
    await sleep(2000);
    expect(appLines(p, "SIGHUP")).toEqual([`[app] SIGHUP pid=${pid}`]);
    expect(appLines(p, "start")).toHaveLength(1);
    expect(p.output()).toMatch(/"changed":"env DB_PASSWORD".*onChange none/);
    expect(await p.stop("SIGTERM")).toMatchObject({ code: 42 });
  });

  it("signals are forwarded; a child ignoring SIGTERM is killed after stopTimeout and exec exits 137", async () => {
    const s = await setup({ exec: "  stopTimeout: 1500ms\n" });
    const p = exec(s.file, s.expectedFile, [process.execPath, APP, "ignore"]);
    await p.waitFor(/\[app\] start match=true/);
    const pid = pidOf(appLines(p, "start")[0]);
    p.child.kill("SIGUSR1");
    p.child.kill("SIGHUP");
    await until("forwarded signals", () => appLines(p, "SIGUSR1").length === 1 && appLines(p, "SIGHUP").length === 1);
    const stopped = await p.stop("SIGTERM");
    expect(appLines(p, "SIGTERM")).toEqual([`[app] SIGTERM pid=${pid}`]);
    expect(stopped.code).toBe(137);
    expect(stopped.ms).toBeGreaterThanOrEqual(1400);
    expect(p.output()).toMatch(/did not stop in time; sending SIGKILL/);
    expect(alive(pid)).toBe(false);
  });

  it("a child that exits 1 at once, 5 times in 10 s (restartOnExit: on-failure), makes exec exit non-zero with a clear message", async () => {
    const s = await setup({ exec: "  restartOnExit: on-failure\n" });
    const p = exec(s.file, s.expectedFile, ["/bin/sh", "-c", "exit 1"]);
    const r = await p.exited;
    expect(r.code).toBe(1);
    expect(p.output()).toMatch(/stowaway exec: the child is crash-looping: it exited 5 times within 10s \(last exit code 1\); giving up/);
    expect(p.output().match(/"msg":"child started"/g)).toHaveLength(5);
  });

  it("when the child exits on its own, exec exits with its code (128+N for a signal) after removeOnExit/revokeOnExit", async () => {
    const s = await setup({
      extra: "revokeOnExit: true\n",
      secrets: () => `  - { path: database/creds/app, file: db.json, format: json }\n`,
      env: (kv) => `  DB_PASSWORD: { path: secret/data/${kv}, key: password }\n  PG_*: { path: database/creds/app }\n`,
    });
    write(s.file, readFileSync(s.file, "utf8").replace(/output:\n {2}dir: (.*)\n/, "output:\n  dir: $1\n  removeOnExit: true\n"));
    // The env variables and the file come from one read of the dynamic path: one lease, same credentials.
    const script = `const fs=require("node:fs"); const j=JSON.parse(fs.readFileSync(${JSON.stringify(path.join(s.out, "db.json"))},"utf8")); console.log("[app] same=" + (j.username===process.env.PG_username && j.password===process.env.PG_password)); process.exit(3)`;
    const p = exec(s.file, s.expectedFile, [process.execPath, "-e", script]);
    const r = await p.exited;
    expect(p.output()).toContain("[app] same=true");
    expect(r.code).toBe(3);
    expect(existsSync(path.join(s.out, "db.json"))).toBe(false);
    expect(p.output()).toMatch(/lease revoked on exit/);
    expect(p.output().match(/"msg":"lease revoked on exit"/g)).toHaveLength(1);

    const k = exec(s.file, s.expectedFile, [process.execPath, "-e", "process.kill(process.pid, 'SIGTERM')"]);
    expect((await k.exited).code).toBe(143);
  });

  it("--log-format pretty gives one readable line per event, as for the sidecar", async () => {
    const s = await setup();
    const p = spawnSidecar(
      ["--config", s.file, "--log-format", "pretty", "--", process.execPath, "-e", "process.exit(0)"],
      { EXPECTED_FILE: s.expectedFile },
      "exec",
    );
    running.push(p);
    expect((await p.exited).code).toBe(0);
    const lines = p
      .output()
      .split("\n")
      .filter((l) => l.trim() !== "");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.startsWith("{"), line).toBe(false);
  });

  it("refuses what it cannot run: a missing command (127), no command (2), an env-only config under `sidecar` (2)", async () => {
    const s = await setup();
    const missing = exec(s.file, s.expectedFile, [path.join(etc, "no-such-app")]);
    expect((await missing.exited).code).toBe(127);
    expect(missing.output()).toMatch(/cannot start .*no-such-app: ENOENT/);
    const none = exec(s.file, s.expectedFile, []);
    expect((await none.exited).code).toBe(2);
    const sidecar = spawnSidecar(["--config", s.file, "--once"]);
    running.push(sidecar);
    expect((await sidecar.exited).code).toBe(2);
    expect(sidecar.output()).toMatch(/env: is used by stowaway exec only/);
  });

  it("a first render that fails starts nothing and exits 1", async () => {
    const s = await setup({ env: () => "  DB_PASSWORD: { path: secret/data/nothing/here, key: password }\n" });
    const p = exec(s.file, s.expectedFile);
    const r = await p.exited;
    expect(r.code).toBe(1);
    expect(p.output()).toMatch(/the first render failed, not starting/);
    expect(appLines(p, "start")).toHaveLength(0);
  });

  it("an unreachable Vault: --start-timeout ends the start-up with 1, and SIGTERM during it exits at once with 143", async () => {
    const s = await setup();
    const dead = write(`${s.file}.dead.yaml`, readFileSync(s.file, "utf8").replace(vault.url, "http://127.0.0.1:9"));
    const timedOut = spawnSidecar(["--config", dead, "--start-timeout", "2s", "--", process.execPath, APP], { EXPECTED_FILE: s.expectedFile }, "exec");
    running.push(timedOut);
    expect((await timedOut.exited).code).toBe(1);
    expect(timedOut.output()).toMatch(/the first render failed, not starting/);
    const stopped = exec(dead, s.expectedFile);
    await stopped.waitFor(/login failed; retrying/);
    const r = await stopped.stop("SIGTERM");
    expect(r.code).toBe(143);
    expect(r.ms).toBeLessThan(5000);
    expect(appLines(stopped, "start")).toHaveLength(0);
  });

  if (!isRoot) console.log("skipping the PID 1 test: unshare --pid needs root");
  it.skipIf(!isRoot)("as PID 1 (a new PID namespace) it warns to use docker run --init / tini", async () => {
    const s = await setup();
    // Async: vault-dev answers from this process.
    const child = spawn(
      "unshare",
      ["--pid", "--fork", "--mount-proc", process.execPath, CLI, "exec", "--config", s.file, "--", process.execPath, "-e", "process.exit(0)"],
      {
        env: { ...process.env, EXPECTED_FILE: s.expectedFile },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    leaks.output(out);
    expect(code, out.slice(-2000)).toBe(0);
    expect(out).toMatch(/PID 1 without an init.*docker run --init/);
  });
});
