import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { faultEnv, fixture, freePort, leaks, readyz, sleep, spawnSidecar, until } from "./sidecar-helpers.js";

// Issue 8: Vault unreachable at start (nothing listening on its port).
describe.concurrent("sidecar fault: Vault unreachable at start", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;
  let port: number;
  const value = fixture("unreach");

  beforeAll(async () => {
    port = await freePort();
    env = await faultEnv({ kv2: { "app/db": { password: value } } }, { port, startVault: false });
  });
  afterAll(async () => {
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  const secrets = `  - path: secret/data/app/db\n    file: db\n    format: raw\n    key: password\n`;
  const files = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }) : []);

  it("--once exits non-zero after --once-timeout instead of hanging, writing nothing", async () => {
    // Its own closed port: the daemon test below brings Vault up on `port` while this one runs.
    const { file, out } = env.config(secrets, { address: `http://127.0.0.1:${await freePort()}` });
    const p = spawnSidecar(["--config", file, "--once", "--once-timeout", "3s"]);
    const r = await p.exited;
    expect(r.code, p.output()).toBe(1);
    expect(r.ms).toBeGreaterThanOrEqual(2000);
    // Not hanging (the default timeout is 120 s); the slack is for start-up under load (6,013 ms seen).
    expect(r.ms).toBeLessThan(12_000);
    expect(p.output()).toMatch(/ECONNREFUSED/);
    expect(files(out)).toEqual([]);
  });

  it("daemon: retries with backoff, /readyz 503, no file; recovers when Vault appears on that port", async () => {
    const { file, out } = env.config(secrets, { address: `http://127.0.0.1:${port}` });
    const p = spawnSidecar(["--config", file]);
    try {
      const base = await p.baseUrl();
      // Several failed logins, each followed by a wait: retry { initial: 200ms, max: 1s } gives
      // steps under 1 s, which the 1 s floor (issue 19) lifts to 1–1.25 s with jitter.
      await until("3 failed logins", () => (p.output().match(/login failed; retrying/g) ?? []).length >= 3, 5000);
      const waits = [...p.output().matchAll(/"retryInMs":(\d+)/g)].map((m) => Number(m[1]));
      expect(
        waits.every((w) => w >= 1000 && w <= 1250),
        String(waits),
      ).toBe(true);
      expect(Math.max(...waits)).toBeGreaterThan(Math.min(...waits));
      expect(await readyz(base)).toBe(503);
      expect(files(out)).toEqual([]);
      expect(p.child.exitCode).toBeNull();

      await env.startVault(); // same port
      const appeared = Date.now();
      await until("ready after Vault appears", async () => (await readyz(base)) === 200, 5000);
      // One backoff step (max 1s) plus the login and the read.
      expect(Date.now() - appeared).toBeLessThan(2500);
      expect(readFileSync(path.join(out, "db"), "utf8")).toBe(value);
      await sleep(300);
      const r = await p.stop();
      expect(r.code).toBe(0);
    } finally {
      await p.stop();
    }
  });
});
