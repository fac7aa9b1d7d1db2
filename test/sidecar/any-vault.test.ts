import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startVaultDev, type VaultDev } from "@stowaway/vault-dev";
import { fileText, fixture, leaks, makeTmpfs, spawnSidecar, status, until, write } from "./helpers.js";

// The sidecar end to end against whatever Vault is configured: a real Vault or OpenBao dev server
// when VAULT_ADDR and VAULT_TOKEN are set (`npm run test:vault`), vault-dev otherwise. Everything
// is set up through Vault's public HTTP API with the root token (no seed file, no /__dev/
// controls), so the same steps run against both.
const realAddr = process.env.VAULT_ADDR;
const realToken = process.env.VAULT_TOKEN;
const real = Boolean(realAddr && realToken);
if (!real) console.log("sidecar any-vault suite: running against vault-dev (set VAULT_ADDR and VAULT_TOKEN to run it against a real Vault or OpenBao)");

const PREFIX = `stowaway-e2e-${process.pid}`;
const KV1 = `${PREFIX}-kv1`;
const APPROLE = `${PREFIX}-approle`;

describe(`stowaway sidecar against ${real ? "a real Vault" : "vault-dev"}, set up through the API`, () => {
  let dev: VaultDev | undefined;
  let addr: string;
  let root: string;
  let tmpfs: { dir: string; cleanup(): void };
  let etc: string;
  const password = fixture("any-pw");
  const apiKey = fixture("any-api");

  async function api(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
    const r = await fetch(`${addr}/v1/${p}`, {
      method,
      headers: { "X-Vault-Token": root, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : undefined };
  }
  const ok = (r: { status: number; json: any }, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.json?.errors ?? [])}`);
    return r;
  };

  beforeAll(async () => {
    if (real) {
      addr = realAddr!.replace(/\/+$/, "");
      root = realToken!;
    } else {
      dev = await startVaultDev({ port: 0 });
      addr = dev.url;
      root = dev.rootToken;
    }
    leaks.secret(root);
    ok(await api("POST", `sys/mounts/${KV1}`, { type: "kv", options: { version: "1" } }), "mount KV v1");
    ok(await api("POST", `sys/auth/${APPROLE}`, { type: "approle" }), "enable AppRole");
    const policy = `path "secret/data/${PREFIX}/*" { capabilities = ["read"] }\npath "secret/metadata/${PREFIX}/*" { capabilities = ["read"] }\npath "${KV1}/*" { capabilities = ["read"] }\npath "sys/internal/ui/mounts/*" { capabilities = ["read"] }\n`;
    const pol = await api("PUT", `sys/policies/acl/${PREFIX}`, { policy });
    // vault-dev has no ACL policies (root versus non-root only); a real server must accept this one.
    if (real) ok(pol, "write policy");
    ok(await api("POST", `auth/${APPROLE}/role/app`, { token_policies: [PREFIX], token_ttl: "1h", token_max_ttl: "2h" }), "create role");
    const roleId = ok(await api("GET", `auth/${APPROLE}/role/app/role-id`), "read role id").json.data.role_id as string;
    const secretId = ok(await api("POST", `auth/${APPROLE}/role/app/secret-id`, {}), "create secret id").json.data.secret_id as string;
    leaks.secret(roleId);
    leaks.secret(secretId);
    ok(await api("POST", `secret/data/${PREFIX}/db`, { data: { username: "app", password } }), "write KV v2");
    ok(await api("POST", `${KV1}/api`, { key: apiKey }), "write KV v1");
    tmpfs = makeTmpfs();
    etc = mkdtempSync(path.join(os.tmpdir(), "stowaway-any-vault-"));
    write(path.join(etc, "role-id"), roleId);
    write(path.join(etc, "secret-id"), secretId);
  });

  afterAll(async () => {
    if (addr && root) {
      await api("DELETE", `secret/metadata/${PREFIX}/db`).catch(() => undefined);
      await api("DELETE", `sys/mounts/${KV1}`).catch(() => undefined);
      await api("DELETE", `sys/auth/${APPROLE}`).catch(() => undefined);
      await api("DELETE", `sys/policies/acl/${PREFIX}`).catch(() => undefined);
    }
    await dev?.close();
    tmpfs?.cleanup();
    if (etc) rmSync(etc, { recursive: true, force: true });
    expect(leaks.check()).toEqual([]);
  });

  let n = 0;
  function config(extra = ""): { file: string; out: string } {
    const out = path.join(tmpfs.dir, `any${++n}`);
    const file = write(
      path.join(etc, `c${n}.yaml`),
      `vault:\n  address: ${addr}\n  timeout: 5s\n  retry: { initial: 200ms, max: 1s }\n  auth:\n    method: approle\n    mount: ${APPROLE}\n    roleIdFile: ${etc}/role-id\n    secretIdFile: ${etc}/secret-id\n` +
        `output:\n  dir: ${out}\nlisten: 127.0.0.1:0\n${extra}secrets:\n` +
        `  - path: secret/data/${PREFIX}/db\n    file: db.env\n    format: dotenv\n` +
        `  - path: ${KV1}/api\n    file: api.json\n    format: json\n` +
        `  - path: secret/data/${PREFIX}/db\n    file: url\n    format: template\n    template: "postgres://{{username}}:{{password}}@db/app"\n`,
    );
    return { file, out };
  }

  it("--once renders KV v2 (dotenv, template) and KV v1 (json) with AppRole, mode 0400", async () => {
    const { file, out } = config();
    const p = spawnSidecar(["--config", file, "--once"]);
    const r = await p.exited;
    expect(r.code, p.output().slice(-2000)).toBe(0);
    expect(fileText(path.join(out, "db.env"))).toMatch(new RegExp(`^password=["']?${password}["']?$`, "m"));
    expect(JSON.parse(readFileSync(path.join(out, "api.json"), "utf8"))).toEqual({ key: apiKey });
    expect(fileText(path.join(out, "url"))).toBe(`postgres://app:${password}@db/app`);
    expect(statSync(path.join(out, "db.env")).mode & 0o777).toBe(0o400);
  });

  it("keeps running, picks up a new KV v2 version within the refresh interval, and exits 0 on SIGTERM", async () => {
    const { file, out } = config("defaults:\n  refreshInterval: 1s\n");
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await status(`${base}/readyz`)) === 200);
      const next = fixture("any-pw2");
      const bumped = Date.now();
      ok(await api("POST", `secret/data/${PREFIX}/db`, { data: { username: "app", password: next } }), "bump KV v2");
      await until("db.env rewritten", () => (fileText(path.join(out, "db.env")) ?? "").includes(next), 5_000);
      expect(Date.now() - bumped).toBeLessThan(2_500);
      // The template is another entry of the same path, not a group: its own 1 s timer, its own phase.
      await until("url rewritten", () => fileText(path.join(out, "url")) === `postgres://app:${next}@db/app`, 5_000);
      expect(Date.now() - bumped).toBeLessThan(2_500);
    } finally {
      const stop = await p.stop();
      expect(stop.code).toBe(0);
      expect(stop.ms).toBeLessThan(4_000);
    }
  });
});
