import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { faultEnv, fileText, fixture, http, leaks, readyz, sleep, spawnSidecar, until } from "./sidecar-helpers.js";

// Issue 8: Vault slow — every response delayed past vault.timeout (500ms).
describe("sidecar fault: Vault slower than the timeout", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  const v0 = fixture("slow0");

  beforeAll(async () => {
    env = await faultEnv({ kv2: { "app/db": { password: v0 } } });
  });
  afterAll(async () => {
    env?.vault.clearFaults();
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  const secrets = `  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n`;

  it("requests time out and are retried; files intact; status server responsive; recovers; SIGTERM still fast", async () => {
    const { file, out } = env.config(secrets);
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      env.vault.setFaults({ delayMs: 1500 });
      env.vault.resetStats();
      const v1 = fixture("slow1");
      await env.kvPut("app/db", { password: v1 }); // itself delayed 1.5 s
      const t0 = Date.now();
      while (Date.now() - t0 < 2000) {
        const t = Date.now();
        expect((await http(`${base}/healthz`)).status).toBe(200);
        // Vault answers in 1.5 s: a /healthz that waited on it would take that long (1 s: slack for load).
        expect(Date.now() - t, "/healthz answered slowly").toBeLessThan(1000);
        expect(readFileSync(path.join(out, "db"), "utf8")).toBe(v0);
        await sleep(100);
      }
      await until("timeouts logged", () => (p.output().match(/timed out/g) ?? []).length >= 2, 3000);
      await until("/readyz reports it", async () => (await readyz(base)) === 503, 3000);
      expect(env.vault.stats().peakInFlight).toBeLessThanOrEqual(8);
      env.vault.clearFaults();
      await until("change propagates once Vault is fast again", () => fileText(path.join(out, "db")) === v1, 4000);
      await until("ready again", async () => (await readyz(base)) === 200, 4000);
      // Slow again, then stop: close() must not wait for Vault.
      env.vault.setFaults({ delayMs: 5000 });
      await sleep(700);
      const r = await p.stop("SIGTERM");
      expect(r.code).toBe(0);
      // Vault now answers in 5 s: stopping within 4 s means close() did not wait for it.
      expect(r.ms).toBeLessThan(4000);
    } finally {
      env.vault.clearFaults();
      await p.stop();
    }
  });

  it("--once against a slow Vault gives up after --once-timeout, writing nothing", async () => {
    const { file, out } = env.config(secrets);
    env.vault.setFaults({ delayMs: 1500 });
    try {
      const p = spawnSidecar(["--config", file, "--once", "--once-timeout", "3s"]);
      const r = await p.exited;
      expect(r.code, p.output()).toBe(1);
      expect(r.ms).toBeLessThan(6000);
      expect(p.output()).toMatch(/timed out/);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    } finally {
      env.vault.clearFaults();
    }
  });
});
