import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { sidecarCommand } from "@stowaway/sidecar";
import { startFakeVault, type FakeVault } from "./fake-vault.js";

// In-process: checks the sidecar against Vault's documented response shapes, independent of vault-dev.
describe("sidecar --once against documented Vault shapes", () => {
  let vault: FakeVault;
  let dir: string;
  const out: string[] = [];
  beforeAll(async () => {
    vault = await startFakeVault();
    dir = mkdtempSync("/dev/shm/stowaway-shapes-");
    writeFileSync(path.join(dir, "role-id"), vault.roleId);
    writeFileSync(path.join(dir, "secret-id"), vault.secretId);
  });
  afterAll(async () => {
    await vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(secrets: string, extra = ""): Promise<{ code: number; logs: string }> {
    const cfg = path.join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      cfg,
      `vault:\n  address: ${vault.url}\n  retry: { initial: 50ms, max: 200ms }\n  auth:\n    method: approle\n    roleIdFile: ${dir}/role-id\n    secretIdFile: ${dir}/secret-id\noutput:\n  dir: ${dir}/out\n${extra}secrets:\n${secrets}`,
    );
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let logs = "";
    stdout.on("data", (c) => (logs += c));
    stderr.on("data", (c) => (logs += c));
    const code = await sidecarCommand({ config: cfg, once: true, onceTimeout: "2s" }, { stdout, stderr });
    out.push(logs);
    if (process.env.SHOW_LOGS) console.log(logs);
    return { code, logs };
  }

  it("renders KV v2, KV v1 and templates", async () => {
    const pw = `pw-${Math.random().toString(36).slice(2)}`;
    vault.kv2.set("app/db", { versions: [{ username: "app", password: pw }] });
    vault.kv1.set("app/api", { key: "k1" });
    const { code, logs } = await run(
      `  - path: secret/data/app/db\n    file: db.env\n  - path: kv/app/api\n    file: api\n    format: raw\n    key: key\n  - path: secret/data/app/db\n    file: url\n    format: template\n    template: "postgres://{{username}}:{{password}}@db/app"\n    mode: "0440"\n`,
    );
    expect(code, logs).toBe(0);
    expect(readFileSync(path.join(dir, "out/db.env"), "utf8")).toBe(`username=app\npassword=${pw}\n`);
    expect(readFileSync(path.join(dir, "out/api"), "utf8")).toBe("k1");
    expect(readFileSync(path.join(dir, "out/url"), "utf8")).toBe(`postgres://app:${pw}@db/app`);
    expect(statSync(path.join(dir, "out/url")).mode & 0o777).toBe(0o440);
    expect(statSync(path.join(dir, "out/db.env")).mode & 0o777).toBe(0o400);
    expect(statSync(path.join(dir, "out")).mode & 0o777).toBe(0o700);
    expect(logs).not.toContain(pw);
    expect(logs).not.toContain(vault.secretId);
    // Every request said X-Vault-Request; login went to the approle mount.
    expect(vault.headers.every((h) => h["x-vault-request"] === "true")).toBe(true);
    expect(vault.requests).toContain("POST auth/approle/login");
  });

  it("a missing key fails, names the key, writes nothing", async () => {
    vault.kv2.set("app/other", { versions: [{ user: "x" }] });
    const { code, logs } = await run(
      `  - path: secret/data/app/other\n    file: other\n    format: raw\n    key: password\n  - path: kv/app/api\n    file: api2\n    format: raw\n    key: key\n`,
    );
    expect(code).toBe(1);
    expect(logs).toMatch(/key \\"password\\" not found/);
    expect(existsSync(path.join(dir, "out/other"))).toBe(false);
    expect(existsSync(path.join(dir, "out/api2"))).toBe(false);
  });

  it("a missing secret fails", async () => {
    const { code, logs } = await run(`  - path: secret/data/nope\n    file: nope\n`);
    expect(code).toBe(1);
    expect(logs).toMatch(/MISSING_SECRET/);
  });

  it("bad credentials fail fast", async () => {
    writeFileSync(path.join(dir, "secret-id"), "wrong-secret-id-value");
    try {
      const { code, logs } = await run(`  - path: kv/app/api\n    file: api3\n`);
      expect(code).toBe(1);
      expect(logs).toMatch(/VAULT_REQUEST|VAULT_AUTH/);
      expect(logs).not.toContain("wrong-secret-id-value");
    } finally {
      writeFileSync(path.join(dir, "secret-id"), vault.secretId);
    }
  });

  it("config errors exit 2", async () => {
    const { code, logs } = await run(`  - path: kv/app/api\n    file: ../escape\n`);
    expect(code).toBe(2);
    expect(logs).toMatch(/secrets\[0\]\.file/);
  });
});
