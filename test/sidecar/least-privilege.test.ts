// The sidecar under the least-privilege policy the README documents, without Vault's `default`
// policy (no lookup-self, renew-self or sys/leases/lookup), with token auth and with AppRole:
// it renders KV and a database credential, keeps them current for several refresh intervals,
// and creates exactly one database lease per max TTL (counted with LIST sys/leases/lookup).
// Also: a Kubernetes login failing with 403 for 3 s still renders within --once-timeout, a
// wrapped AppRole secret id, and an unknown namespace named in the error. Everything is set up
// through Vault's public API, so the suite also runs against a real Vault or OpenBao when
// VAULT_ADDR and VAULT_TOKEN are set (`npm run test:vault`); the database credential, the backend
// outage and the namespace need vault-dev (a dev server has no database, no Kubernetes, and Vault
// CE no namespaces) and run on vault-dev only.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signServiceAccountJwt, startVaultDev, type VaultDev } from "@stowaway/vault-dev";
import { fileText, fixture, leaks, makeTmpfs, sleep, spawnSidecar, until, write } from "./helpers.js";

const realAddr = process.env.VAULT_ADDR?.replace(/\/+$/, "");
const realToken = process.env.VAULT_TOKEN;
if (!realAddr || !realToken) console.log("least-privilege e2e: vault-dev only (set VAULT_ADDR and VAULT_TOKEN to also run it against a real Vault or OpenBao)");
const targets = [["vault-dev", false], ...(realAddr && realToken ? [[`real server at ${realAddr}`, true]] : [])] as [string, boolean][];

describe.each(targets)("sidecar under a least-privilege policy without default: %s", (_label, isReal) => {
  let vault: VaultDev | undefined;
  let addr = "";
  let root = "";
  let tmpfs: { dir: string; cleanup(): void };
  let etc: string;
  let n = 0;
  const run = `lp-${randomBytes(4).toString("hex")}`;
  const kv = `secret/data/${run}/app/db`;
  const policyName = `${run}-app`;
  const approleMount = `${run}-approle`;
  const first = fixture("lp-pw1");
  const devIt = isReal ? it.skip : it;

  /** The README's least-privilege policy for this config: read its paths, renew its leases. */
  const POLICY = `
path "secret/data/${run}/app/*" { capabilities = ["read"] }
path "database/creds/app" { capabilities = ["read"] }
path "sys/leases/renew" { capabilities = ["update"] }
`;

  async function api(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
    const r = await fetch(`${addr}/v1/${p}`, {
      method,
      headers: { "X-Vault-Token": root, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${p}: HTTP ${r.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : null;
  }

  beforeAll(async () => {
    if (isReal) {
      addr = realAddr!;
      root = realToken!;
    } else {
      vault = await startVaultDev({ port: 0 });
      addr = vault.url;
      root = vault.rootToken;
      // vault-dev only: a database role (one lease per max TTL: 2 s renewed up to 6 s, then replaced) and a namespace.
      await api("POST", "database/roles/app", { default_ttl: "2s", max_ttl: "6s" });
      await api("POST", "auth/kubernetes/role/app", {
        bound_service_account_names: ["app"],
        bound_service_account_namespaces: ["default"],
        token_policies: [policyName],
        token_no_default_policy: true,
      });
    }
    leaks.secret(root);
    await api("PUT", `sys/policies/acl/${policyName}`, { policy: POLICY });
    await api("POST", `sys/auth/${approleMount}`, { type: "approle" });
    await api("POST", `auth/${approleMount}/role/app`, { token_policies: [policyName], token_no_default_policy: true, token_ttl: "1h" });
    await api("POST", kv, { data: { password: first } });
    tmpfs = makeTmpfs();
    etc = mkdtempSync(path.join(os.tmpdir(), "stowaway-lp-"));
    const roleId = (await api("GET", `auth/${approleMount}/role/app/role-id`)).data.role_id as string;
    const secretId = (await api("POST", `auth/${approleMount}/role/app/secret-id`, {})).data.secret_id as string;
    leaks.secret(secretId);
    write(path.join(etc, "role-id"), roleId);
    write(path.join(etc, "secret-id"), secretId);
  });
  afterAll(async () => {
    if (isReal) {
      await api("DELETE", `sys/auth/${approleMount}`).catch(() => undefined);
      await api("DELETE", `sys/policies/acl/${policyName}`).catch(() => undefined);
      await api("DELETE", `secret/metadata/${run}/app/db`).catch(() => undefined);
    }
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
      `vault:\n  address: ${addr}\n${vaultExtra}  retry: { initial: 200ms, max: 1s }\n  auth:\n${auth}output:\n  dir: ${out}\n` +
        `listen: "127.0.0.1:0"\nnotify:\n  debounce: 50ms\n  command: ["sh", "-c", "echo n >> ${notified}"]\n` +
        `defaults:\n  refreshInterval: 1s\n  revokeOld: false\nsecrets:\n${secrets}`,
    );
    return { file, out, notifications: () => (fileText(notified) ?? "").split("\n").filter(Boolean).length };
  };
  const approle = () => `    method: approle\n    mount: ${approleMount}\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${etc}/secret-id\n`;
  const kvOnly = () => `  - path: ${kv}\n    file: pw\n    format: raw\n    key: password\n`;
  const secrets = () => kvOnly() + (isReal ? "" : `  - path: database/creds/app\n    file: db.env\n`);

  /** Live leases under database/creds/app/, as an operator would count them. */
  const leaseIds = async (): Promise<string[]> => {
    if (isReal) return [];
    const r = await fetch(`${addr}/v1/sys/leases/lookup/database/creds/app/`, { method: "LIST", headers: { "X-Vault-Token": root } });
    if (r.status === 404) return [];
    return ((await r.json()) as { data: { keys: string[] } }).data.keys;
  };

  for (const [name, auth] of [
    ["AppRole", approle],
    [
      "token auth",
      async () => {
        const t = (await api("POST", "auth/token/create", { policies: [policyName], no_default_policy: true, ttl: "1h" })).auth.client_token as string;
        leaks.secret(t);
        return `    method: token\n    tokenFile: ${write(path.join(etc, `token-${++n}`), t)}\n`;
      },
    ],
  ] as const) {
    it(`${name}: renders KV and a database credential, keeps them current, one lease per max TTL, no notify storm`, async () => {
      const { file, out, notifications } = config(await auth(), secrets());
      const before = new Set(await leaseIds());
      const spawned = Date.now();
      const p = spawnSidecar(["--config", file]);
      try {
        await until("first render", () => fileText(path.join(out, "pw")) === first && (isReal || fileText(path.join(out, "db.env")) !== undefined), 10_000);
        const t0 = Date.now();
        // A new KV version is picked up within the refresh interval (metadata is denied: data is re-read).
        const second = fixture("lp-pw2");
        await api("POST", kv, { data: { password: second } });
        await until("KV change rendered", () => fileText(path.join(out, "pw")) === second, 5_000);
        // Several refresh intervals and two max TTLs (6 s each).
        await sleep(Math.max(0, 12_500 - (Date.now() - t0)));
        const created = (await leaseIds()).filter((id) => !before.has(id));
        const issued = (p.output().match(/"path":"database\/creds\/app","file":"db.env".*?"msg":"rendered"/g) ?? []).length;
        if (!isReal) {
          // One lease per max TTL (6 s): each is replaced when a renewal comes back capped, in its
          // last 2 s, so a lease lives at least 4 s. Churn would be one per refresh interval (1 s).
          const most = 1 + Math.floor((Date.now() - spawned) / 4000);
          expect(issued, p.output().slice(-3000)).toBeGreaterThanOrEqual(2);
          expect(issued).toBeLessThanOrEqual(most);
          expect(created.length).toBeLessThanOrEqual(most);
        }
        expect(fileText(path.join(out, "pw"))).toBe(second);
        // One notification per real change (a new credential, the KV update), debounced: no storm.
        expect(notifications()).toBeLessThanOrEqual(Math.max(issued, 1));
        // Each policy denial is learnt once and never re-asked in a loop.
        expect(p.output()).not.toMatch(/logging in again/);
        expect((p.output().match(/lookup-self is denied/g) ?? []).length).toBe(1);
        expect((p.output().match(/sys\/leases\/lookup denied by policy/g) ?? []).length).toBeLessThanOrEqual(1);
        await api("POST", kv, { data: { password: first } });
      } finally {
        await p.stop();
      }
    }, 40_000);
  }

  devIt(
    "a Kubernetes login failing with 403 for 3 s: --once still renders within its timeout",
    async () => {
      const jwtFile = write(path.join(etc, "sa-token"), signServiceAccountJwt({ serviceAccount: "app", projected: true, expiresIn: 600 }));
      const { file, out } = config(`    method: kubernetes\n    role: app\n    jwtFile: ${jwtFile}\n`, kvOnly());
      // The 3 s start at the sidecar's first login attempt, however long the process takes to boot.
      const outage = await fetch(`${addr}/__dev/auth-outage`, {
        method: "POST",
        headers: { "X-Vault-Token": root },
        body: JSON.stringify({ mount: "kubernetes", seconds: 3, fromNextLogin: true }),
      });
      expect(outage.status).toBe(200);
      const p = spawnSidecar(["--config", file, "--once", "--once-timeout", "20s"]);
      const r = await p.exited;
      expect(r.code, p.output().slice(-2000)).toBe(0);
      expect(readFileSync(path.join(out, "pw"), "utf8")).toBe(first);
      expect(p.output()).toMatch(/auth\/kubernetes\/login: HTTP 403: permission denied/);
      expect(p.output()).toMatch(/login failed; retrying/);
    },
    30_000,
  );

  it("a login that keeps failing is reported in /readyz with Vault's message", async () => {
    write(path.join(etc, "bad-secret-id"), fixture("lp-bad"));
    const { file } = config(
      `    method: approle\n    mount: ${approleMount}\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${etc}/bad-secret-id\n`,
      kvOnly(),
    );
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      let body = "";
      await until(
        "readyz names the login failure",
        async () => {
          const r = await fetch(`${base}/readyz`);
          body = await r.text();
          return r.status === 503 && /invalid role or secret ID/.test(body);
        },
        10_000,
      );
      expect(body).toMatch(/vault login failing/);
    } finally {
      await p.stop();
    }
  });

  it("auth.secretIdWrapped: the secret id arrives as a response-wrapping token and is unwrapped once", async () => {
    const w = await api("POST", `auth/${approleMount}/role/app/secret-id`, {}, { "X-Vault-Wrap-TTL": "60s" });
    const wrapToken = w.wrap_info.token as string;
    leaks.secret(wrapToken);
    const wrapFile = write(path.join(etc, "wrapped-secret-id"), wrapToken);
    const { file, out } = config(
      `    method: approle\n    mount: ${approleMount}\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${wrapFile}\n    secretIdWrapped: true\n`,
      kvOnly(),
    );
    // VAULT_PREFIX would make node-vault prepend "/nope" to every path; the sidecar ignores it.
    const p = spawnSidecar(["--config", file, "--once", "--once-timeout", "15s"], { VAULT_PREFIX: "/nope" });
    expect((await p.exited).code, p.output().slice(-2000)).toBe(0);
    expect(readFileSync(path.join(out, "pw"), "utf8")).toBe(first);
    // Single use: a second run with the same (now spent) wrapping token cannot unwrap it.
    const again = spawnSidecar(["--config", file, "--once", "--once-timeout", "3s"]);
    expect((await again.exited).code).toBe(1);
    expect(again.output()).toMatch(/cannot unwrap the secret id/);
  });

  devIt("an unknown namespace is an error naming the namespace, not a missing secret", async () => {
    const { file } = config(approle(), kvOnly(), "  namespace: team-nope\n");
    const p = spawnSidecar(["--config", file, "--once", "--once-timeout", "3s"]);
    expect((await p.exited).code).toBe(1);
    expect(p.output()).toMatch(/namespace \\"team-nope\\" not found/);
    expect(p.output()).not.toMatch(/no secret at this path/);
  });
});
