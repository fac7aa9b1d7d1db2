import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startVaultDev, signJwt, signServiceAccountJwt, type VaultDev } from "@stowaway/vault-dev";
import { fixture, isRoot, leaks, makeTmpfs, spawnSidecar, status, until, write, ROOT } from "./helpers.js";

// Issue 6, judged as a new user would: vault-dev, a KV v2 secret, an AppRole config, `--once` onto a tmpfs.
describe("stowaway sidecar --once (end to end)", () => {
  let vault: VaultDev;
  let tmpfs: { dir: string; cleanup(): void };
  let etc: string;
  const roleId = fixture("role");
  const secretId = fixture("sid");
  const dbPassword = fixture("dbpw");
  const apiKey = fixture("apikey");
  const v1Value = fixture("kv1");
  const teamValue = fixture("team");
  const nsValue = fixture("ns");

  beforeAll(async () => {
    vault = await startVaultDev({
      port: 0,
      seed: {
        kv2: { "app/db": { username: "app", password: dbPassword }, "app/api": { key: apiKey } },
        kv1: { "legacy/app": { token: v1Value } },
        approle: { app: { role_id: roleId, secret_id: secretId, token_ttl: "1h" } },
        kubernetes: { roles: { app: { bound_service_account_names: ["app"], bound_service_account_namespaces: ["default"] } } },
        database: { roles: { app: { default_ttl: "1h", max_ttl: "2h" } } },
        mounts: { "team/": { type: "kv", version: 2, secrets: { "shared/cfg": { a: teamValue } } } },
        auth: { "ci-jwt/": { type: "jwt", signing_key: "jwt-test-key", roles: { ci: { user_claim: "sub", bound_audiences: ["stowaway"] } } } },
        namespaces: {
          "team-a": {
            kv2: { "only/here": { in: nsValue } },
            approle: { nsapp: { role_id: roleId, secret_id: secretId } },
          },
        },
      },
    });
    leaks.secret(vault.rootToken);
    tmpfs = makeTmpfs();
    etc = mkdtempSync(path.join(os.tmpdir(), "stowaway-etc-"));
    write(path.join(etc, "role-id"), `${roleId}\n`);
    write(path.join(etc, "secret-id"), `${secretId}\n`);
  });

  afterAll(async () => {
    await vault?.close();
    tmpfs?.cleanup();
    rmSync(etc, { recursive: true, force: true });
    expect(leaks.check()).toEqual([]);
  });

  let n = 0;
  function config(secrets: string, opts: { out?: string; extra?: string; auth?: string; vault?: string } = {}): string {
    const out = opts.out ?? path.join(tmpfs.dir, `run${++n}`);
    return write(
      path.join(etc, `c${++n}.yaml`),
      `vault:\n${opts.vault ?? `  address: ${vault.url}\n`}  retry: { initial: 100ms, max: 500ms }\n  auth:\n${
        opts.auth ?? `    method: approle\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${etc}/secret-id\n`
      }output:\n  dir: ${out}\n${opts.extra ?? ""}secrets:\n${secrets}`,
    );
  }
  const outDirOf = (cfg: string) => /dir: (.*)\n/.exec(readFileSync(cfg, "utf8"))![1];

  it("renders KV v2 (dotenv, raw, template), KV v1 and a leased database secret with modes and owner", async () => {
    const ownerLines = isRoot ? "  uid: 1000\n  gid: 1000\n" : "";
    const cfg = config(
      `  - path: secret/data/app/db\n    file: db.env\n    format: dotenv\n` +
        `  - path: secret/data/app/db\n    file: password\n    format: raw\n    key: password\n    mode: "0440"\n` +
        `  - path: secret/data/app/db\n    file: url\n    format: template\n    template: "postgres://{{username}}:{{password}}@db/app?x=<&>"\n` +
        `  - path: secret/data/app/api\n    file: conf/api.json\n    format: json\n` +
        `  - path: kv/legacy/app\n    file: legacy\n    format: raw\n    key: token\n` +
        `  - path: database/creds/app\n    file: db-dynamic.env\n` +
        `  - path: database/creds/app\n    file: db-dynamic.url\n    format: template\n    template: "{{username}}:{{password}}"\n`,
      { extra: ownerLines },
    );
    const out = outDirOf(cfg);
    const p = spawnSidecar(["--config", cfg, "--once"]);
    const r = await p.exited;
    expect(r.code, p.output()).toBe(0);
    expect(readFileSync(path.join(out, "db.env"), "utf8")).toBe(`username=app\npassword=${dbPassword}\n`);
    expect(readFileSync(path.join(out, "password"), "utf8")).toBe(dbPassword);
    expect(readFileSync(path.join(out, "url"), "utf8")).toBe(`postgres://app:${dbPassword}@db/app?x=<&>`);
    expect(JSON.parse(readFileSync(path.join(out, "conf/api.json"), "utf8"))).toEqual({ key: apiKey });
    expect(readFileSync(path.join(out, "legacy"), "utf8")).toBe(v1Value);
    const dyn = readFileSync(path.join(out, "db-dynamic.env"), "utf8");
    const pass = /^password=(.+)$/m.exec(dyn)?.[1];
    expect(dyn).toMatch(/^username=\S+$/m);
    expect(pass).toBeTruthy();
    leaks.secret(pass!.replace(/^"|"$/g, ""));
    // Files from one dynamic path share one read, so one lease and the same credentials.
    const user = /^username=(.+)$/m.exec(dyn)![1];
    expect(readFileSync(path.join(out, "db-dynamic.url"), "utf8")).toBe(`${user}:${pass!.replace(/^"|"$/g, "")}`);
    expect(statSync(path.join(out, "password")).mode & 0o777).toBe(0o440);
    expect(statSync(path.join(out, "db.env")).mode & 0o777).toBe(0o400);
    const st = statSync(out);
    expect(st.mode & 0o777).toBe(isRoot ? 0o750 : 0o700);
    if (isRoot) {
      for (const f of ["db.env", "password", "url", "legacy"]) {
        const s = statSync(path.join(out, f));
        expect([s.uid, s.gid]).toEqual([1000, 1000]);
      }
    }
    expect(p.output()).toMatch(/"path":"secret\/data\/app\/db","file":"db.env"/);
  });

  it("a second run with unchanged values leaves files (and mtimes) alone", async () => {
    const cfg = config(`  - path: secret/data/app/db\n    file: db.env\n`);
    const out = outDirOf(cfg);
    expect((await spawnSidecar(["--config", cfg, "--once"]).exited).code).toBe(0);
    const m1 = statSync(path.join(out, "db.env")).mtimeMs;
    await new Promise((r) => setTimeout(r, 30));
    const p = spawnSidecar(["--config", cfg, "--once"]);
    expect((await p.exited).code).toBe(0);
    expect(statSync(path.join(out, "db.env")).mtimeMs).toBe(m1);
    expect(p.output()).toMatch(/"changed":false/);
  });

  it("a missing key fails with a clear message and leaves no file", async () => {
    const cfg = config(
      `  - path: secret/data/app/api\n    file: api-ok\n    format: raw\n    key: key\n  - path: secret/data/app/db\n    file: pw\n    format: raw\n    key: pasword\n`,
    );
    const out = outDirOf(cfg);
    const p = spawnSidecar(["--config", cfg, "--once"]);
    const r = await p.exited;
    expect(r.code).toBe(1);
    expect(p.output()).toMatch(/secret\/data\/app\/db → pw: key \\"pasword\\" not found in the secret \(it has 2 keys\)/);
    expect(existsSync(path.join(out, "pw"))).toBe(false);
    expect(existsSync(path.join(out, "api-ok"))).toBe(false);
  });

  it("when one secret fails, dynamic credentials fetched for the others are revoked", async () => {
    const leases = async () =>
      (
        (await (await fetch(`${vault.url}/__dev/leases`, { headers: { "X-Vault-Token": vault.rootToken } })).json()) as { leases: { lease_id: string }[] }
      ).leases.map((l) => l.lease_id);
    const before = new Set(await leases());
    const cfg = config(`  - path: database/creds/app\n    file: dyn.env\n  - path: secret/data/app/db\n    file: pw\n    format: raw\n    key: nope\n`);
    const p = spawnSidecar(["--config", cfg, "--once"]);
    expect((await p.exited).code).toBe(1);
    expect((await leases()).filter((l) => !before.has(l))).toEqual([]);
    expect(existsSync(path.join(outDirOf(cfg), "dyn.env"))).toBe(false);
  });

  it("a missing secret fails", async () => {
    const cfg = config(`  - path: secret/data/app/nope\n    file: nope\n`);
    const p = spawnSidecar(["--config", cfg, "--once"]);
    expect((await p.exited).code).toBe(1);
    expect(p.output()).toMatch(/MISSING_SECRET/);
  });

  it("refuses a non-tmpfs output dir with exit 2, unless allowNonTmpfs (which warns)", async () => {
    // The repository sits on a disk filesystem; os.tmpdir() might be tmpfs.
    const disk = mkdtempSync(path.join(ROOT, "test/sidecar/.disk-"));
    try {
      const cfg = config(`  - path: secret/data/app/db\n    file: db.env\n`, { out: path.join(disk, "out") });
      const p = spawnSidecar(["--config", cfg, "--once"]);
      expect((await p.exited).code).toBe(2);
      expect(p.output()).toMatch(/NOT_TMPFS|not tmpfs or ramfs/);
      expect(existsSync(path.join(disk, "out"))).toBe(false); // refused before creating anything
      const cfg2 = config(`  - path: secret/data/app/db\n    file: db.env\n`, { out: path.join(disk, "out"), extra: "  allowNonTmpfs: true\n" });
      const p2 = spawnSidecar(["--config", cfg2, "--once"]);
      expect((await p2.exited).code).toBe(0);
      expect(p2.output()).toMatch(/"level":"warn".*allowNonTmpfs/);
    } finally {
      rmSync(disk, { recursive: true, force: true });
    }
  });

  it("refuses a destination that is a symlink inside the output dir", async () => {
    const out = path.join(tmpfs.dir, "symlinked");
    mkdirSync(out, { mode: 0o700 });
    symlinkSync("/etc/hostname", path.join(out, "db.env"));
    const cfg = config(`  - path: secret/data/app/db\n    file: db.env\n`, { out });
    const p = spawnSidecar(["--config", cfg, "--once"]);
    expect((await p.exited).code).toBe(1);
    expect(p.output()).toMatch(/PATH_ESCAPE/);
  });

  it("config errors name the file, key and line, and exit 2", async () => {
    const cfg = config(`  - path: secret/data/app/db\n    file: ../../etc/passwd\n    format: raw\n`);
    const p = spawnSidecar(["--config", cfg, "--once"]);
    expect((await p.exited).code).toBe(2);
    expect(p.output()).toContain(`${cfg}:`);
    expect(p.output()).toMatch(/secrets\[0\]\.file: must be relative/);
    const p2 = spawnSidecar(["--config", path.join(etc, "missing.yaml"), "--once"]);
    expect((await p2.exited).code).toBe(2);
  });

  it("honours VAULT_ADDR and VAULT_TOKEN (token method)", async () => {
    const token = vault.createToken({ policies: ["root"], ttl: "1h" });
    leaks.secret(token);
    const cfg = config(`  - path: secret/data/app/api\n    file: api\n    format: raw\n    key: key\n`, { vault: "", auth: "    method: token\n" });
    const out = outDirOf(cfg);
    const p = spawnSidecar(["--config", cfg, "--once"], { VAULT_ADDR: vault.url, VAULT_TOKEN: token, VAULT_SKIP_VERIFY: "true" });
    expect((await p.exited).code, p.output()).toBe(0);
    expect(readFileSync(path.join(out, "api"), "utf8")).toBe(apiKey);
    expect(p.output()).toMatch(/TLS VERIFICATION IS DISABLED/);
  });

  it("logs in with kubernetes auth from the projected token file", async () => {
    const jwtFile = write(path.join(etc, "sa-token"), signServiceAccountJwt({ serviceAccount: "app", projected: true, expiresIn: 600 }));
    const cfg = config(`  - path: secret/data/app/api\n    file: api\n    format: raw\n    key: key\n`, {
      auth: `    method: kubernetes\n    role: app\n    jwtFile: ${jwtFile}\n`,
    });
    const p = spawnSidecar(["--config", cfg, "--once"]);
    expect((await p.exited).code, p.output()).toBe(0);
    expect(readFileSync(path.join(outDirOf(cfg), "api"), "utf8")).toBe(apiKey);
  });

  it("logs in with JWT auth at a custom mount and reads a KV v2 secret from a custom mount", async () => {
    const jwtFile = write(path.join(etc, "ci.jwt"), signJwt({ sub: "pipeline", aud: "stowaway", exp: Math.floor(Date.now() / 1000) + 600 }, "jwt-test-key"));
    const cfg = config(`  - path: team/data/shared/cfg\n    file: team\n    format: raw\n    key: a\n`, {
      auth: `    method: jwt\n    mount: ci-jwt\n    role: ci\n    jwtFile: ${jwtFile}\n`,
    });
    const p = spawnSidecar(["--config", cfg, "--once"]);
    expect((await p.exited).code, p.output()).toBe(0);
    expect(readFileSync(path.join(outDirOf(cfg), "team"), "utf8")).toBe(teamValue);
  });

  it("sends the namespace (from VAULT_NAMESPACE) with login and reads", async () => {
    const cfg = config(`  - path: secret/data/only/here\n    file: ns\n    format: raw\n    key: in\n`);
    const p = spawnSidecar(["--config", cfg, "--once"], { VAULT_NAMESPACE: "team-a" });
    expect((await p.exited).code, p.output()).toBe(0);
    expect(readFileSync(path.join(outDirOf(cfg), "ns"), "utf8")).toBe(nsValue);
    // Without the namespace the same config finds nothing there.
    const p2 = spawnSidecar(["--config", cfg, "--once"]);
    expect((await p2.exited).code).toBe(1);
  });

  it("wrong AppRole credentials fail without printing them", async () => {
    const bad = fixture("badsid");
    write(path.join(etc, "bad-secret-id"), bad);
    const cfg = config(`  - path: secret/data/app/api\n    file: api\n`, {
      auth: `    method: approle\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${etc}/bad-secret-id\n`,
    });
    // Vault's 400 is also what a backend blip looks like, so the login is retried (within
    // --once-timeout), saying each time why it failed. 6 s: under load a first attempt took
    // most of 2 s, and no retry fits after the deadline.
    const p = spawnSidecar(["--config", cfg, "--once", "--once-timeout", "6s"]);
    expect((await p.exited).code).toBe(1);
    expect(p.output()).toMatch(/auth\/approle\/login: HTTP 400: invalid role or secret ID/);
    expect(p.output()).toMatch(/login failed; retrying/);
  });

  it("a sealed Vault is retried until --once-timeout, then exit 1", async () => {
    vault.seal();
    try {
      const cfg = config(`  - path: secret/data/app/api\n    file: api\n`);
      const p = spawnSidecar(["--config", cfg, "--once", "--once-timeout", "1s"]);
      const r = await p.exited;
      expect(r.code).toBe(1);
      expect(p.output()).toMatch(/VAULT_SEALED|VAULT_UNAVAILABLE/);
      expect(r.ms).toBeLessThan(8000);
    } finally {
      vault.unseal();
    }
  });

  it("default mode: /healthz, /readyz after the first render, /metrics, SIGTERM exits 0 fast", async () => {
    const cfg = config(`  - path: secret/data/app/db\n    file: db.env\n`, { extra: "listen: 127.0.0.1:0\n" });
    const p = spawnSidecar(["--config", cfg]);
    const base = await p.baseUrl();
    expect(await status(`${base}/healthz`)).toBe(200);
    await until("ready", async () => (await status(`${base}/readyz`)) === 200);
    expect(readFileSync(path.join(outDirOf(cfg), "db.env"), "utf8")).toContain(dbPassword);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/stowaway_renders_total\{file="db.env"\} 1/);
    expect(metrics).toMatch(/stowaway_vault_request_duration_seconds_count\{op="read",outcome="ok"\}/);
    expect(metrics).toMatch(/stowaway_secret_last_success_timestamp_seconds\{file="db.env",path="secret\/data\/app\/db"\}/);
    expect(metrics).not.toContain(dbPassword);
    const r = await p.stop("SIGTERM");
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(4000);
  });

  it("refuses to start /readyz before every secret renders", async () => {
    const cfg = config(`  - path: secret/data/app/db\n    file: db.env\n  - path: secret/data/app/later\n    file: later\n`, {
      extra: "listen: 127.0.0.1:0\n",
    });
    const p = spawnSidecar(["--config", cfg]);
    try {
      const base = await p.baseUrl();
      await p.waitFor(/"file":"db.env".*"msg":"rendered"/);
      await p.waitFor(/secret refresh failed/);
      expect(await status(`${base}/readyz`)).toBe(503);
      const token = vault.rootToken;
      await fetch(`${vault.url}/v1/secret/data/app/later`, { method: "POST", headers: { "X-Vault-Token": token }, body: JSON.stringify({ data: { v: "x" } }) });
      await until("ready", async () => (await status(`${base}/readyz`)) === 200, 10_000);
    } finally {
      await p.stop();
    }
  });
});
