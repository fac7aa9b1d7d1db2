import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startVaultDev, type VaultDev } from "@stowaway/vault-dev";
import { fixture, leaks, makeTmpfs, sleep, spawnSidecar, status, until, write, fileText } from "./helpers.js";

const APP = fileURLToPath(new URL("./fixtures/app.mjs", import.meta.url));

// Issue 7: keep every file current while running, and tell the app.
describe("stowaway sidecar rotation (end to end)", () => {
  let vault: VaultDev;
  let tmpfs: { dir: string; cleanup(): void };
  let etc: string;
  const roleId = fixture("role");
  const secretId = fixture("sid");
  const shortRoleId = fixture("role-short");
  const v1 = fixture("v1");
  const apps: ChildProcess[] = [];

  beforeAll(async () => {
    vault = await startVaultDev({
      port: 0,
      seed: {
        kv2: { "app/db": { password: v1 }, "app/static": { k: fixture("static") } },
        approle: {
          app: { role_id: roleId, secret_id: secretId, token_ttl: "1h" },
          short: { role_id: shortRoleId, secret_id: secretId, token_ttl: "3s", token_max_ttl: "10s" },
        },
        database: { roles: { short: { default_ttl: "3s", max_ttl: "9s" }, long: { default_ttl: "1h", max_ttl: "2h" } } },
      },
    });
    leaks.secret(vault.rootToken);
    tmpfs = makeTmpfs();
    etc = mkdtempSync(path.join(os.tmpdir(), "stowaway-etc-"));
    write(path.join(etc, "role-id"), roleId);
    write(path.join(etc, "short-role-id"), shortRoleId);
    write(path.join(etc, "secret-id"), secretId);
  });

  afterAll(async () => {
    for (const a of apps) a.kill("SIGKILL");
    await vault?.close();
    tmpfs?.cleanup();
    rmSync(etc, { recursive: true, force: true });
    expect(leaks.check()).toEqual([]);
  });

  let n = 0;
  function config(body: string, opts: { role?: string; extra?: string } = {}): { file: string; out: string } {
    const out = path.join(tmpfs.dir, `r${++n}`);
    const file = write(
      path.join(etc, `c${n}.yaml`),
      `vault:\n  address: ${vault.url}\n  retry: { initial: 200ms, max: 1s }\n  auth:\n    method: approle\n    roleIdFile: ${etc}/${opts.role ?? "role-id"}\n    secretIdFile: ${etc}/secret-id\n` +
        `output:\n  dir: ${out}\nlisten: 127.0.0.1:0\n${opts.extra ?? ""}secrets:\n${body}`,
    );
    return { file, out };
  }

  async function startApp(): Promise<{ pidFile: string; hups: () => number }> {
    const dir = mkdtempSync(path.join(etc, "app-"));
    const pidFile = path.join(dir, "app.pid");
    const log = path.join(dir, "hups");
    const child = spawn(process.execPath, [APP, pidFile, log], { stdio: "ignore" });
    apps.push(child);
    await until("app pid file", () => existsSync(pidFile));
    return { pidFile, hups: () => (fileText(log) ?? "").split("\n").filter(Boolean).length };
  }

  async function kvPut(p: string, data: Record<string, string>): Promise<void> {
    const r = await fetch(`${vault.url}/v1/secret/data/${p}`, {
      method: "POST",
      headers: { "X-Vault-Token": vault.rootToken },
      body: JSON.stringify({ data }),
    });
    expect(r.status).toBe(200);
  }

  it("a bumped KV v2 secret is rewritten within refreshInterval+1s and the app gets exactly one SIGHUP", async () => {
    const app = await startApp();
    const { file, out } = config(
      `  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n  - path: secret/data/app/static\n    file: static.json\n    format: json\n`,
      { extra: `defaults:\n  refreshInterval: 1s\nnotify:\n  debounce: 200ms\n  signal: SIGHUP\n  pidFile: ${app.pidFile}\n` },
    );
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await status(`${base}/readyz`)) === 200);
      expect(readFileSync(path.join(out, "db"), "utf8")).toBe(v1);
      const staticBefore = readFileSync(path.join(out, "static.json"));
      await sleep(1500);
      expect(app.hups()).toBe(0); // same value: nothing rewritten, nobody told
      const v2 = fixture("v2");
      const bumped = Date.now();
      await kvPut("app/db", { password: v2 });
      await until("rotated file", () => fileText(path.join(out, "db")) === v2, 1000 * 1.1 + 1000, 10);
      expect(Date.now() - bumped).toBeLessThan(2200);
      await until("SIGHUP", () => app.hups() === 1, 2000);
      await sleep(2500); // a few more refresh rounds: still exactly one signal
      expect(app.hups()).toBe(1);
      expect(readFileSync(path.join(out, "static.json")).equals(staticBefore)).toBe(true);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/stowaway_notifications_total\{kind="signal",outcome="ok"\} 1/);
      expect(metrics).toMatch(/stowaway_secret_version\{file="db",path="secret\/data\/app\/db"\} 2/);
      expect(metrics).toMatch(/stowaway_secret_last_change_timestamp_seconds\{file="db"\}/);
    } finally {
      await p.stop();
    }
  });

  it("token TTL 3s, max 10s: renews, then logs in again; files stay correct and ready", async () => {
    const { file, out } = config(`  - path: secret/data/app/static\n    file: s.json\n    format: json\n`, {
      role: "short-role-id",
      extra: "defaults:\n  refreshInterval: 500ms\n",
    });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await status(`${base}/readyz`)) === 200);
      await p.waitFor(/"msg":"token renewed"/, 5000);
      await p.waitFor(/"msg":"logged in again"/, 12_000);
      // Keep going past a second max TTL: still serving, no failures.
      await sleep(1500);
      expect(await status(`${base}/readyz`)).toBe(200);
      expect(p.output()).not.toMatch(/secret refresh failed/);
      expect(JSON.parse(readFileSync(path.join(out, "s.json"), "utf8"))).toHaveProperty("k");
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/stowaway_token_renewals_total\{outcome="ok"\} [1-9]/);
      expect(metrics).toMatch(/stowaway_logins_total\{outcome="ok"\} [2-9]/);
      expect(metrics).toMatch(/stowaway_relogins_total [1-9]/);
      expect(metrics).toMatch(/stowaway_token_ttl_seconds [0-9]/);
    } finally {
      await p.stop();
    }
  });

  it("dynamic secret with 3s lease, 9s max: renews, rotates before expiry, revokes old leases", async () => {
    const app = await startApp();
    const { file, out } = config(`  - path: database/creds/short\n    file: db.env\n`, {
      extra: `defaults:\n  revokeOld: 500ms\nnotify:\n  debounce: 100ms\n  signal: SIGHUP\n  pidFile: ${app.pidFile}\n`,
    });
    const p = spawnSidecar(["--config", file]);
    const seen = new Map<string, string>();
    const creds = () => {
      const t = fileText(path.join(out, "db.env")) ?? "";
      const u = /^username=(.*)$/m.exec(t)?.[1];
      const pw = /^password=(.*)$/m.exec(t)?.[1]?.replace(/^"|"$/g, "");
      return u && pw ? { u, pw } : undefined;
    };
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await status(`${base}/readyz`)) === 200);
      const end = Date.now() + 14_000;
      while (Date.now() < end) {
        // Writes are atomic: once ready, the file is always there and always whole.
        const c = creds();
        expect(c, "db.env missing or not whole").toBeDefined();
        if (!seen.has(c!.u)) {
          seen.set(c!.u, c!.pw);
          leaks.secret(c!.pw);
        }
        // Whatever is on disk is always a live credential (an old one is revoked only revokeOld after it was replaced).
        expect(vault.verifyDatabaseCredential(c!.u, c!.pw), `creds ${c!.u} expired while on disk`).toBe(true);
        await sleep(100);
      }
      expect(seen.size).toBeGreaterThanOrEqual(2);
      expect(p.output()).toMatch(/"msg":"lease renewed"/);
      expect(p.output()).toMatch(/"msg":"old lease revoked"/);
      // Every credential but the one on disk is revoked within revokeOld (500ms) of being replaced. A rotation
      // can land at any moment, so this is awaited, not sampled once.
      let stillLive: string[] = [];
      await until(
        "every replaced credential revoked",
        () => {
          const current = creds()!;
          stillLive = [...seen].filter(([u, pw]) => u !== current.u && vault.verifyDatabaseCredential(u, pw)).map(([u]) => u);
          return stillLive.length === 0;
        },
        5000,
        50,
      ).catch((err) => {
        throw new Error(`${(err as Error).message}: still live ${stillLive.join(", ")}\n${p.output().slice(-3000)}`);
      });
      // One SIGHUP per replacement: every render but the first (debounce 100ms, so awaited too).
      const replacements = () => (p.output().match(/"msg":"rendered"/g) ?? []).length - 1;
      await until("one SIGHUP per replacement", () => app.hups() === replacements(), 3000, 20).catch(() => {
        throw new Error(`${app.hups()} SIGHUP(s) for ${replacements()} replacement(s)`);
      });
      expect(replacements()).toBeGreaterThanOrEqual(seen.size - 1);
    } finally {
      await p.stop();
    }
  });

  it("200 secrets refreshing every 2s, watched for 30 s, never put more than 8 requests in flight", async () => {
    const secrets: Record<string, Record<string, string>> = {};
    for (let i = 0; i < 200; i++) secrets[`many/s${i}`] = { v: `value-${i}` };
    vault.seed({ kv2: secrets });
    vault.setFaults({ delayMs: 20 }); // keep requests open long enough to overlap
    vault.resetStats();
    const body = Object.keys(secrets)
      .map((k, i) => `  - path: secret/data/${k}\n    file: s${i}\n    format: raw\n    key: v\n`)
      .join("");
    const { file, out } = config(body, { extra: "defaults:\n  refreshInterval: 2s\n" });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await status(`${base}/readyz`)) === 200, 20_000, 100);
      // 30 s, as the issue asks: about fifteen refresh rounds.
      await sleep(30_000);
      const stats = vault.stats();
      expect(stats.peakInFlight).toBeLessThanOrEqual(8);
      expect(stats.peakInFlight).toBeGreaterThanOrEqual(4);
      expect(stats.total).toBeGreaterThan(2000);
      expect(readFileSync(path.join(out, "s199"), "utf8")).toBe("value-199");
    } finally {
      vault.clearFaults();
      await p.stop();
    }
  }, 60_000);

  it("hot reload: a broken file keeps the old config; a valid change applies; SIGHUP reloads too", async () => {
    const { file, out } = config(`  - path: secret/data/app/static\n    file: a.json\n    format: json\n`, { extra: "defaults:\n  refreshInterval: 500ms\n" });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await status(`${base}/readyz`)) === 200);
      const good = readFileSync(file, "utf8");
      write(file, `${good}  - path: [broken\n`);
      await p.waitFor(/config reload rejected/, 8000);
      expect(await status(`${base}/readyz`)).toBe(200);
      write(file, `${good}  - path: secret/data/app/db\n    file: b\n    format: raw\n    key: password\n`);
      await until("new secret rendered", () => existsSync(path.join(out, "b")), 8000);
      expect(p.output()).toMatch(/"msg":"config reloaded"/);
      write(file, good);
      p.child.kill("SIGHUP");
      await until("second reload", () => (p.output().match(/"msg":"config reloaded"/g) ?? []).length >= 2, 8000);
      expect(await status(`${base}/readyz`)).toBe(200);
    } finally {
      await p.stop();
    }
  });

  it("token method: a non-renewable token is replaced by re-reading tokenFile before it expires", async () => {
    const tokenFile = path.join(etc, "token");
    // 8 s, not 3: the sidecar must read t1 and schedule its replacement (at 2/3 of what is left,
    // never sooner than 1 s) before t1 runs out, and a loaded machine can take seconds to start it.
    const t1Ttl = 8_000;
    const t1 = vault.createToken({ policies: ["root"], ttl: "8s", renewable: false });
    const t1Expires = Date.now() + t1Ttl;
    leaks.secret(t1);
    write(tokenFile, t1);
    const { file, out } = config(`  - path: secret/data/app/static\n    file: s.json\n    format: json\n`, { extra: "defaults:\n  refreshInterval: 500ms\n" });
    write(file, readFileSync(file, "utf8").replace(/  auth:\n(    .*\n)+/, `  auth:\n    method: token\n    tokenFile: ${tokenFile}\n`));
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await status(`${base}/readyz`)) === 200);
      const t2 = vault.createToken({ policies: ["root"], ttl: "1h" });
      leaks.secret(t2);
      write(tokenFile, t2); // what a token-refreshing agent would do
      await p.waitFor(/"msg":"logged in again"/, t1Ttl);
      await sleep(Math.max(0, t1Expires - Date.now()) + 1000); // t1 has expired by now
      expect(await status(`${base}/readyz`)).toBe(200);
      expect(p.output()).not.toMatch(/secret refresh failed/);
      expect(existsSync(path.join(out, "s.json"))).toBe(true);
    } finally {
      await p.stop();
    }
  });

  it("a revoked token is noticed (403, lookup-self), the sidecar logs in again and carries on", async () => {
    const { file, out } = config(`  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n`, {
      extra: "defaults:\n  refreshInterval: 300ms\n",
    });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await status(`${base}/readyz`)) === 200);
      vault.revokeAllTokens();
      await p.waitFor(/"msg":"logged in again"/, 5000);
      const v3 = fixture("v3");
      await kvPut("app/db", { password: v3 });
      await until("rotated after re-login", () => fileText(path.join(out, "db")) === v3, 5000);
      await until("ready", async () => (await status(`${base}/readyz`)) === 200, 5000);
    } finally {
      await p.stop();
    }
  });

  it("/readyz turns 503 when a secret keeps failing past its interval; files stay", async () => {
    const { file, out } = config(`  - path: secret/data/app/static\n    file: a.json\n    format: json\n`, { extra: "defaults:\n  refreshInterval: 500ms\n" });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await status(`${base}/readyz`)) === 200);
      const before = readFileSync(path.join(out, "a.json"));
      vault.setFaults({ failureRate: 1, failureStatus: 500, pathPrefix: "secret/" });
      await until("not ready", async () => (await status(`${base}/readyz`)) === 503, 5000);
      expect(readFileSync(path.join(out, "a.json")).equals(before)).toBe(true);
      vault.clearFaults();
      await until("ready again", async () => (await status(`${base}/readyz`)) === 200, 5000);
    } finally {
      vault.clearFaults();
      await p.stop();
    }
  });

  it("SIGTERM: exits 0 within 2s, revokes leases (revokeOnExit) and removes files (removeOnExit)", async () => {
    const { file, out } = config(`  - path: database/creds/long\n    file: db.env\n`, { extra: "revokeOnExit: true\n" });
    const text = readFileSync(file, "utf8").replace(/output:\n  dir: (.*)\n/, "output:\n  dir: $1\n  removeOnExit: true\n");
    write(file, text);
    const p = spawnSidecar(["--config", file]);
    const base = await p.baseUrl();
    await until("ready", async () => (await status(`${base}/readyz`)) === 200);
    const t = readFileSync(path.join(out, "db.env"), "utf8");
    const u = /^username=(.*)$/m.exec(t)![1];
    const pw = /^password=(.*)$/m.exec(t)![1].replace(/^"|"$/g, "");
    leaks.secret(pw);
    expect(vault.verifyDatabaseCredential(u, pw)).toBe(true);
    const r = await p.stop("SIGTERM");
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(4000);
    expect(existsSync(path.join(out, "db.env"))).toBe(false);
    expect(vault.verifyDatabaseCredential(u, pw)).toBe(false);
  });

  it("POST /quit stops the sidecar like SIGTERM", async () => {
    const { file } = config(`  - path: secret/data/app/static\n    file: a.json\n    format: json\n`);
    // /quit is opt-in (listen.quit), as Vault Agent's enable_quit.
    writeFileSync(file, readFileSync(file, "utf8").replace("listen: 127.0.0.1:0\n", 'listen: { address: "127.0.0.1:0", quit: true }\n'));
    const p = spawnSidecar(["--config", file]);
    const base = await p.baseUrl();
    await until("ready", async () => (await status(`${base}/readyz`)) === 200);
    expect((await fetch(`${base}/quit`, { method: "POST" })).status).toBe(200);
    const r = await p.exited;
    expect(r.code).toBe(0);
  });
});
