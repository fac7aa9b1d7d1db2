import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { faultEnv, fileText, fixture, leaks, readyz, sleep, spawnSidecar, until } from "../faults/sidecar-helpers.js";

const APP = fileURLToPath(new URL("./fixtures/app.mjs", import.meta.url));

// Issue 21: properties that hung on a single unit test get an end-to-end test too (real CLI,
// vault-dev). Their exact timing is pinned by the fake-clock unit tests in packages/sidecar.
describe("sidecar end to end: re-login, notify debounce, symlink refusal", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  const apps: ChildProcess[] = [];

  beforeAll(async () => {
    env = await faultEnv({
      kv2: { "app/db": { password: fixture("g0") } },
      database: { roles: { long: { default_ttl: "1h", max_ttl: "2h" } } },
    });
  });
  afterAll(async () => {
    for (const a of apps) a.kill("SIGKILL");
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  const creds = (file: string) => {
    const t = fileText(file) ?? "";
    const u = /^username=(.*)$/m.exec(t)?.[1];
    const pw = /^password=(.*)$/m.exec(t)?.[1]?.replace(/^"|"$/g, "");
    if (pw) leaks.secret(pw);
    return u && pw ? { u, pw } : undefined;
  };

  it("after a re-login, leases are fetched again: the old credentials died with the old token, the file holds live ones", async () => {
    // A 1 h lease is not due for renewal for 40 minutes: only the re-login can replace it.
    const { file, out } = env.config(`  - path: database/creds/long\n    file: db.env\n`, { refresh: "300ms" });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      const first = creds(path.join(out, "db.env"))!;
      expect(env.vault.verifyDatabaseCredential(first.u, first.pw)).toBe(true);
      // Vault revokes a token's leases with it.
      env.vault.revokeAllTokens();
      expect(env.vault.verifyDatabaseCredential(first.u, first.pw)).toBe(false);
      await p.waitFor(/"msg":"logged in again"/, 8000);
      await until("new credentials on disk", () => creds(path.join(out, "db.env"))?.u !== first.u, 8000);
      const now = creds(path.join(out, "db.env"))!;
      expect(env.vault.verifyDatabaseCredential(now.u, now.pw)).toBe(true);
      await until("ready after the re-login", async () => (await readyz(base)) === 200, 5000);
    } finally {
      await p.stop();
    }
  });

  it("notify debounce: two changes within the debounce give one SIGHUP, sent no earlier than debounce after the last", async () => {
    const dir = mkdtempSync(path.join(env.etc, "app-"));
    const pidFile = path.join(dir, "app.pid");
    const hupLog = path.join(dir, "hups");
    const child = spawn(process.execPath, [APP, pidFile, hupLog], { stdio: "ignore" });
    apps.push(child);
    await until("app pid file", () => existsSync(pidFile));
    const hups = () => (fileText(hupLog) ?? "").split("\n").filter(Boolean).length;
    const DEBOUNCE = 3000;
    const { file, out } = env.config(`  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n`, {
      refresh: "100ms",
      extra: `notify:\n  debounce: ${DEBOUNCE}ms\n  signal: SIGHUP\n  pidFile: ${pidFile}\n`,
    });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      const v2 = fixture("g2");
      await env.kvPut("app/db", { password: v2 });
      await until("first change rendered", () => fileText(path.join(out, "db")) === v2, 4000, 10);
      const v3 = fixture("g3");
      await env.kvPut("app/db", { password: v3 });
      await until("second change rendered", () => fileText(path.join(out, "db")) === v3, 4000, 10);
      const lastChange = Date.now();
      // Three renders (start, v2, v3); the log line follows the rename, so it is awaited.
      await until("three renders logged", () => (p.output().match(/"msg":"rendered"/g) ?? []).length >= 3, 2000, 10);
      await until("SIGHUP", () => hups() >= 1, DEBOUNCE + 4000, 20);
      // Seen at most ~20 ms after it happened; it happened at least DEBOUNCE after the last render.
      expect(Date.now() - lastChange, "SIGHUP came before the debounce ran out").toBeGreaterThanOrEqual(DEBOUNCE - 100);
      await sleep(1000);
      expect(hups(), "one burst of changes, one signal").toBe(1);
    } finally {
      await p.stop();
      child.kill("SIGTERM");
    }
  }, 30_000);

  it("a destination that is a symlink is refused at start: the link and its target stay as they were", async () => {
    const outside = mkdtempSync(path.join(env.tmpfs.dir, "outside-"));
    const victim = path.join(outside, "victim");
    writeFileSync(victim, "untouched\n");
    const out = path.join(env.tmpfs.dir, `planted-${Date.now()}`);
    mkdirSync(out, { mode: 0o700 });
    symlinkSync(victim, path.join(out, "db"));
    const { file } = env.config(`  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n`, { out });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await p.waitFor(/db: db is a symlink; refusing to follow it/, 8000);
      expect(p.output()).toMatch(/PATH_ESCAPE/);
      expect(await readyz(base)).toBe(503);
      expect(readFileSync(victim, "utf8")).toBe("untouched\n");
      expect(lstatSync(path.join(out, "db")).isSymbolicLink()).toBe(true);
      expect(readdirSync(outside)).toEqual(["victim"]);
    } finally {
      await p.stop();
    }
  });

  it("an output.dir that is a symlink is refused at start: exit 1, nothing written where it points", async () => {
    const target = mkdtempSync(path.join(env.tmpfs.dir, "target-"));
    const link = path.join(env.tmpfs.dir, `linked-out-${Date.now()}`);
    symlinkSync(target, link);
    const { file } = env.config(`  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n`, { out: link });
    for (const args of [
      ["--config", file],
      ["--config", file, "--once"],
    ]) {
      const p = spawnSidecar(args);
      const r = await p.exited;
      expect(r.code, p.output()).toBe(1);
      expect(p.output()).toMatch(/output\.dir .*linked-out-\d+ is a symlink/);
      expect(readdirSync(target)).toEqual([]);
    }
  });
});
