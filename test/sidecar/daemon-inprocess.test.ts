import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { sidecarCommand } from "@stowaway/sidecar";
import { startFakeVault, type FakeVault } from "./fake-vault.js";

const until = async (what: string, fn: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

// In-process daemon mode against documented Vault shapes: refresh, notify, readiness, quit.
describe("sidecar daemon (in-process)", () => {
  let vault: FakeVault;
  let dir: string;
  beforeAll(async () => {
    vault = await startFakeVault();
    dir = mkdtempSync("/dev/shm/stowaway-daemon-");
    writeFileSync(path.join(dir, "role-id"), vault.roleId);
    writeFileSync(path.join(dir, "secret-id"), vault.secretId);
  });
  afterAll(async () => {
    await vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("re-reads KV v2 via metadata, rewrites only on change, notifies once, quits", async () => {
    vault.kv2.set("svc/db", { versions: [{ password: "v1-a8d7" }] });
    vault.kv2.set("svc/static", { versions: [{ k: "static-91ad" }] });
    vault.kv1.set("svc/legacy", { k: "legacy-1-77ab" });
    const cfg = path.join(dir, "c.yaml");
    writeFileSync(
      cfg,
      `vault:\n  address: ${vault.url}\n  auth:\n    method: approle\n    roleIdFile: ${dir}/role-id\n    secretIdFile: ${dir}/secret-id\n` +
        `output:\n  dir: ${dir}/out\n  removeOnExit: true\nlisten: { address: "127.0.0.1:0", quit: true }\ndefaults:\n  refreshInterval: 300ms\n` +
        `notify:\n  debounce: 100ms\n  command: ["sh", "-c", "echo x >> ${dir}/notified"]\n` +
        `secrets:\n  - path: secret/data/svc/db\n    file: db\n    format: raw\n    key: password\n  - path: secret/data/svc/static\n    file: static\n    format: json\n` +
        `  - path: kv/svc/legacy\n    file: legacy\n    format: raw\n    key: k\n    refreshInterval: 200ms\n    notify:\n      debounce: 50ms\n      command: ["sh", "-c", "echo y >> ${dir}/legacy-notified"]\n`,
    );
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let logs = "";
    stdout.on("data", (c) => (logs += c));
    stderr.on("data", (c) => (logs += c));
    const done = sidecarCommand({ config: cfg }, { stdout, stderr });
    await until("listening", () => /"msg":"listening"/.test(logs));
    const port = Number(/"address":"127\.0\.0\.1:(\d+)"/.exec(logs)![1]);
    const base = `http://127.0.0.1:${port}`;
    await until("ready", async () => (await fetch(`${base}/readyz`)).status === 200);
    expect(readFileSync(path.join(dir, "out/db"), "utf8")).toBe("v1-a8d7");
    const staticMtime = statSync(path.join(dir, "out/static")).mtimeMs;
    // First render does not notify.
    expect(existsSync(path.join(dir, "notified"))).toBe(false);

    vault.kv2.get("svc/db")!.versions.push({ password: "v2-c3f1" });
    await until("rotation", () => readFileSync(path.join(dir, "out/db"), "utf8") === "v2-c3f1", 1500);
    await until("notified", () => existsSync(path.join(dir, "notified")), 1500);
    await new Promise((r) => setTimeout(r, 700));
    expect(readFileSync(path.join(dir, "notified"), "utf8")).toBe("x\n");
    expect(statSync(path.join(dir, "out/static")).mtimeMs).toBe(staticMtime);
    // Unchanged versions are checked through metadata, not by re-reading data.
    const dataReads = vault.requests.filter((r) => r === "GET secret/data/svc/static").length;
    const metaReads = vault.requests.filter((r) => r === "GET secret/metadata/svc/static").length;
    expect(dataReads).toBe(1);
    expect(metaReads).toBeGreaterThanOrEqual(2);

    // KV v1 is re-read on our interval despite its advisory 768h lease; its own notify wins.
    vault.kv1.set("svc/legacy", { k: "legacy-2-91cd" });
    await until("kv1 rotation", () => readFileSync(path.join(dir, "out/legacy"), "utf8") === "legacy-2-91cd", 1500);
    await until("per-secret notify", () => existsSync(path.join(dir, "legacy-notified")), 1500);
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(path.join(dir, "notified"), "utf8")).toBe("x\n");

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/stowaway_secret_version\{file="db",path="secret\/data\/svc\/db"\} 2/);
    expect(metrics).toMatch(/stowaway_notifications_total\{kind="command",outcome="ok"\} 2/);

    expect((await fetch(`${base}/quit`, { method: "POST" })).status).toBe(200);
    expect(await done).toBe(0);
    expect(existsSync(path.join(dir, "out/db"))).toBe(false);
    expect(logs).not.toMatch(/v1-a8d7|v2-c3f1|static-91ad|legacy-1-77ab|legacy-2-91cd/);
    for (const t of vault.tokens) expect(logs).not.toContain(t);
  });
});
