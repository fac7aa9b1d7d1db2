import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { sidecarCommand } from "@stowaway/sidecar";
import { startFakeVault, type FakeVault } from "./fake-vault.js";

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

// node-vault ignores VAULT_CACERT and treats VAULT_SKIP_VERIFY=false as true; we do not.
describe.skipIf(!hasOpenssl)("TLS to Vault (in-process, needs openssl)", () => {
  let vault: FakeVault;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-tls-"));
    const o = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    o("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=test-ca");
    o("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=vault.test");
    writeFileSync(path.join(dir, "ext"), "subjectAltName=DNS:vault.test,IP:127.0.0.1\n");
    o("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "ext");
    vault = await startFakeVault({
      tls: { key: readFileSync(path.join(dir, "server.key"), "utf8"), cert: readFileSync(path.join(dir, "server.pem"), "utf8") },
    });
    vault.kv2.set("tls/app", { versions: [{ k: "tls-value-7f3a" }] });
    writeFileSync(path.join(dir, "role-id"), vault.roleId);
    writeFileSync(path.join(dir, "secret-id"), vault.secretId);
  });
  afterAll(async () => {
    await vault?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(tls: string, env: Record<string, string>): Promise<{ code: number; logs: string }> {
    const out = mkdtempSync("/dev/shm/stowaway-tls-out-");
    const cfg = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      cfg,
      `vault:\n  address: ${vault.url}\n${tls}  auth:\n    method: approle\n    roleIdFile: ${dir}/role-id\n    secretIdFile: ${dir}/secret-id\noutput:\n  dir: ${out}/o\nsecrets:\n  - path: secret/data/tls/app\n    file: k\n    format: raw\n    key: k\n`,
    );
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const s = new PassThrough();
    let logs = "";
    s.on("data", (c) => (logs += c));
    try {
      const code = await sidecarCommand({ config: cfg, once: true, onceTimeout: "1s" }, { stdout: s, stderr: s });
      if (code === 0) expect(readFileSync(path.join(out, "o/k"), "utf8")).toBe("tls-value-7f3a");
      return { code, logs };
    } finally {
      for (const k of Object.keys(env))
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      rmSync(out, { recursive: true, force: true });
    }
  }

  it("verifies against tls.caCert", async () => {
    expect((await run(`  tls: { caCert: ${dir}/ca.pem }\n`, {})).code).toBe(0);
  });
  it("reads VAULT_CACERT", async () => {
    expect((await run("", { VAULT_CACERT: path.join(dir, "ca.pem") })).code).toBe(0);
  });
  it("VAULT_SKIP_VERIFY=false keeps verification on", async () => {
    const r = await run("", { VAULT_SKIP_VERIFY: "false" });
    expect(r.code).toBe(1);
    expect(r.logs).toMatch(/certificate/i);
  });
  it("VAULT_SKIP_VERIFY=true skips it, loudly", async () => {
    const r = await run("", { VAULT_SKIP_VERIFY: "true" });
    expect(r.code).toBe(0);
    expect(r.logs).toMatch(/"level":"warn".*TLS VERIFICATION IS DISABLED/);
  });
  it("an unreadable caCert is a config error (exit 2)", async () => {
    const r = await run(`  tls: { caCert: ${dir}/missing.pem }\n`, {});
    expect(r.code).toBe(2);
    expect(r.logs).toMatch(/vault\.tls\.caCert: cannot read .*missing\.pem: ENOENT/);
  });
  it("serverName checks the certificate's name", async () => {
    expect((await run(`  tls: { caCert: ${dir}/ca.pem, serverName: vault.test }\n`, {})).code).toBe(0);
    expect((await run(`  tls: { caCert: ${dir}/ca.pem, serverName: other.test }\n`, {})).code).toBe(1);
  });
});
