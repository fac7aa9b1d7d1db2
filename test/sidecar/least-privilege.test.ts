// The sidecar under the least-privilege policy the README documents, without Vault's `default`
// policy (no lookup-self, renew-self or sys/leases/lookup), with token auth and with AppRole:
// it renders KV and a database credential, keeps them current for several refresh intervals,
// and creates exactly one database lease per max TTL (counted with LIST sys/leases/lookup).
// Also: a Kubernetes login failing with 403 for 3 s still renders within --once-timeout, a
// wrapped AppRole secret id, and an unknown namespace named in the error. vault-dev enforces
// policies as Vault does, so this is the real thing against it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signServiceAccountJwt, startVaultDev, type VaultDev } from "@stowaway/vault-dev";
import { fileText, fixture, leaks, makeTmpfs, sleep, spawnSidecar, until, write } from "./helpers.js";

/** The README's least-privilege policy for this config: read its paths, renew its leases. */
const POLICY = `
path "secret/data/app/*" { capabilities = ["read"] }
path "database/creds/app" { capabilities = ["read"] }
path "sys/leases/renew" { capabilities = ["update"] }
`;

describe("sidecar under a least-privilege policy without default", () => {
  let vault: VaultDev;
  let tmpfs: { dir: string; cleanup(): void };
  let etc: string;
  let n = 0;
  const roleId = fixture("lp-role");
  const secretId = fixture("lp-sid");
  const first = fixture("lp-pw1");

  beforeAll(async () => {
    vault = await startVaultDev({
      port: 0,
      seed: {
        policies: { app: POLICY },
        kv2: { "app/db": { password: first } },
        approle: { app: { role_id: roleId, secret_id: secretId, token_ttl: "1h", token_policies: ["app"], token_no_default_policy: true } },
        kubernetes: { roles: { app: { bound_service_account_names: ["app"], bound_service_account_namespaces: ["default"], token_policies: ["app"], token_no_default_policy: true } } },
        // One lease per max TTL: a 2 s lease renewed up to its 6 s max, then replaced.
        database: { roles: { app: { default_ttl: "2s", max_ttl: "6s" } } },
        namespaces: { "team-a": { kv2: { "app/db": { password: first } } } },
      },
    });
    leaks.secret(vault.rootToken);
    tmpfs = makeTmpfs();
    etc = mkdtempSync(path.join(os.tmpdir(), "stowaway-lp-"));
    write(path.join(etc, "role-id"), roleId);
    write(path.join(etc, "secret-id"), secretId);
  });
  afterAll(async () => {
    await vault?.close();
    tmpfs?.cleanup();
    rmSync(etc, { recursive: true, force: true });
    expect(leaks.check()).toEqual([]);
  });

  const config = (auth: string, secrets: string, vaultExtra = "") => {
    const out = path.join(tmpfs.dir, `lp${++n}`);
    const notified = path.join(etc, `notified-${n}`);
    const file = write(
      path.join(etc, `c${n}.yaml`),
      `vault:\n  address: ${vault.url}\n${vaultExtra}  retry: { initial: 200ms, max: 1s }\n  auth:\n${auth}output:\n  dir: ${out}\n` +
        `listen: "127.0.0.1:0"\nnotify:\n  debounce: 50ms\n  command: ["sh", "-c", "echo n >> ${notified}"]\n` +
        `defaults:\n  refreshInterval: 1s\n  revokeOld: false\nsecrets:\n${secrets}`,
    );
    return { file, out, notifications: () => (fileText(notified) ?? "").split("\n").filter(Boolean).length };
  };
  const approle = () => `    method: approle\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${etc}/secret-id\n`;
  const secrets = `  - path: secret/data/app/db\n    file: pw\n    format: raw\n    key: password\n  - path: database/creds/app\n    file: db.env\n`;

  /** Live leases under database/creds/app/, as an operator would count them. */
  const leaseIds = async (): Promise<string[]> => {
    const r = await fetch(`${vault.url}/v1/sys/leases/lookup/database/creds/app/`, { method: "LIST", headers: { "X-Vault-Token": vault.rootToken } });
    if (r.status === 404) return [];
    return ((await r.json()) as { data: { keys: string[] } }).data.keys;
  };

  for (const [name, auth] of [
    ["AppRole", approle],
    ["token auth", () => `    method: token\n    tokenFile: ${write(path.join(etc, `token-${++n}`), vault.createToken({ policies: ["app"], noDefaultPolicy: true, ttl: "1h" }))}\n`],
  ] as const) {
    it(`${name}: renders KV and a database credential, keeps them current, one lease per max TTL, no notify storm`, async () => {
      const { file, out, notifications } = config(auth(), secrets);
      const before = new Set(await leaseIds());
      const p = spawnSidecar(["--config", file]);
      try {
        await until("first render", () => fileText(path.join(out, "pw")) === first && fileText(path.join(out, "db.env")) !== undefined, 10_000);
        const t0 = Date.now();
        // A new KV version is picked up within the refresh interval (metadata is denied: data is re-read).
        const second = fixture("lp-pw2");
        await fetch(`${vault.url}/v1/secret/data/app/db`, { method: "POST", headers: { "X-Vault-Token": vault.rootToken }, body: JSON.stringify({ data: { password: second } }) });
        await until("KV change rendered", () => fileText(path.join(out, "pw")) === second, 5_000);
        // Several refresh intervals and two max TTLs (6 s each).
        await sleep(Math.max(0, 12_500 - (Date.now() - t0)));
        const created = (await leaseIds()).filter((id) => !before.has(id));
        const issued = (p.output().match(/"path":"database\/creds\/app","file":"db.env".*?"msg":"rendered"/g) ?? []).length;
        // 12.5 s at one lease per 6 s max TTL: the first, then at most two replacements.
        expect(issued, p.output().slice(-3000)).toBeGreaterThanOrEqual(2);
        expect(issued).toBeLessThanOrEqual(3);
        expect(created.length).toBeLessThanOrEqual(3);
        expect(fileText(path.join(out, "pw"))).toBe(second);
        // One notification per real change (a new credential, the KV update), debounced: no storm.
        expect(notifications()).toBeLessThanOrEqual(issued);
        // Each policy denial is learnt once and never re-asked in a loop.
        expect(p.output()).not.toMatch(/logging in again/);
        expect((p.output().match(/lookup-self is denied/g) ?? []).length).toBe(1);
        expect((p.output().match(/sys\/leases\/lookup denied by policy/g) ?? []).length).toBeLessThanOrEqual(1);
        const reset = await fetch(`${vault.url}/v1/secret/data/app/db`, { method: "POST", headers: { "X-Vault-Token": vault.rootToken }, body: JSON.stringify({ data: { password: first } }) });
        expect(reset.status).toBe(200);
      } finally {
        await p.stop();
      }
    }, 40_000);
  }

  it("a Kubernetes login failing with 403 for 3 s: --once still renders within its timeout", async () => {
    const jwtFile = write(path.join(etc, "sa-token"), signServiceAccountJwt({ serviceAccount: "app", projected: true, expiresIn: 600 }));
    const { file, out } = config(`    method: kubernetes\n    role: app\n    jwtFile: ${jwtFile}\n`, `  - path: secret/data/app/db\n    file: pw\n    format: raw\n    key: password\n`);
    const outage = await fetch(`${vault.url}/__dev/auth-outage`, { method: "POST", headers: { "X-Vault-Token": vault.rootToken }, body: JSON.stringify({ mount: "kubernetes", seconds: 3 }) });
    expect(outage.status).toBe(200);
    const p = spawnSidecar(["--config", file, "--once", "--once-timeout", "20s"]);
    const r = await p.exited;
    expect(r.code, p.output().slice(-2000)).toBe(0);
    expect(readFileSync(path.join(out, "pw"), "utf8")).toBe(first);
    expect(p.output()).toMatch(/auth\/kubernetes\/login: HTTP 403: permission denied/);
    expect(p.output()).toMatch(/login failed; retrying/);
  }, 30_000);

  it("a login that keeps failing is reported in /readyz with Vault's message", async () => {
    write(path.join(etc, "bad-secret-id"), fixture("lp-bad"));
    const { file } = config(`    method: approle\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${etc}/bad-secret-id\n`, `  - path: secret/data/app/db\n    file: pw\n`);
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      let body = "";
      await until("readyz names the login failure", async () => {
        const r = await fetch(`${base}/readyz`);
        body = await r.text();
        return r.status === 503 && /invalid role or secret ID/.test(body);
      }, 10_000);
      expect(body).toMatch(/vault login failing/);
    } finally {
      await p.stop();
    }
  });

  it("auth.secretIdWrapped: the secret id arrives as a response-wrapping token and is unwrapped once", async () => {
    const w = await fetch(`${vault.url}/v1/auth/approle/role/app/secret-id`, { method: "POST", headers: { "X-Vault-Token": vault.rootToken, "X-Vault-Wrap-TTL": "60s" }, body: "{}" });
    const wrapToken = ((await w.json()) as { wrap_info: { token: string } }).wrap_info.token;
    leaks.secret(wrapToken);
    const wrapFile = write(path.join(etc, "wrapped-secret-id"), wrapToken);
    const { file, out } = config(`    method: approle\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${wrapFile}\n    secretIdWrapped: true\n`, `  - path: secret/data/app/db\n    file: pw\n    format: raw\n    key: password\n`);
    const p = spawnSidecar(["--config", file, "--once"]);
    expect((await p.exited).code, p.output().slice(-2000)).toBe(0);
    expect(readFileSync(path.join(out, "pw"), "utf8")).toBe(first);
    // Single use: a second run with the same (now spent) wrapping token cannot unwrap it.
    const again = spawnSidecar(["--config", file, "--once", "--once-timeout", "1s"]);
    expect((await again.exited).code).toBe(1);
    expect(again.output()).toMatch(/cannot unwrap the secret id/);
  });

  it("an unknown namespace is an error naming the namespace, not a missing secret", async () => {
    const { file } = config(approle(), `  - path: secret/data/app/db\n    file: pw\n`, "  namespace: team-nope\n");
    const p = spawnSidecar(["--config", file, "--once", "--once-timeout", "1s"]);
    expect((await p.exited).code).toBe(1);
    expect(p.output()).toMatch(/namespace \\"team-nope\\" not found/);
    expect(p.output()).not.toMatch(/no secret at this path/);
  });
});
