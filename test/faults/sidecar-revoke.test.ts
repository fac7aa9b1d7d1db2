import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { faultEnv, fileText, fixture, leaks, readyz, spawnSidecar, until } from "./sidecar-helpers.js";

// Issue 8: token revoked out of band, and one lease revoked out of band.
// (test/sidecar/rotation.test.ts already shows a KV change after a token revocation; these add
// the time bound, the dynamic secret whose lease died with the token, and the lone lease.)
describe("sidecar fault: revoked out of band", () => {
  let env: Awaited<ReturnType<typeof faultEnv>>;

  beforeAll(async () => {
    env = await faultEnv({
      kv2: { "app/db": { password: fixture("rv0") } },
      database: { roles: { app: { default_ttl: "1h", max_ttl: "2h" } } },
    });
  });
  afterAll(async () => {
    await env?.close();
    expect(leaks.check()).toEqual([]);
  });

  const creds = (file: string) => {
    const t = fileText(file) ?? "";
    const u = /^username=(.*)$/m.exec(t)?.[1];
    const pw = /^password=(.*)$/m.exec(t)?.[1]?.replace(/^"|"$/g, "");
    if (pw) leaks.secret(pw);
    return u && pw ? { u, pw } : undefined;
  };
  const notified = (file: string) => (fileText(file) ?? "").split("\n").filter(Boolean).length;

  function start(extraSecrets = "", refresh?: string) {
    const notifyFile = path.join(env.etc, `notified-${Math.random().toString(36).slice(2)}`);
    const { file, out } = env.config(`  - path: database/creds/app\n    file: db.env\n${extraSecrets}`, {
      extra: `notify:\n  debounce: 100ms\n  command: ["sh", "-c", "echo x >> ${notifyFile}"]\n`,
      refresh,
    });
    return { p: spawnSidecar(["--config", file]), out, notifyFile };
  }

  it("token revoked: logs in again within one backoff step; leased credentials (revoked with the token) are replaced and notified", async () => {
    const { p, out, notifyFile } = start(`  - path: secret/data/app/db\n    file: kv\n    format: raw\n    key: password\n`);
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      const before = creds(path.join(out, "db.env"))!;
      expect(env.vault.verifyDatabaseCredential(before.u, before.pw)).toBe(true);
      env.vault.revokeAllTokens();
      const revoked = Date.now();
      expect(env.vault.verifyDatabaseCredential(before.u, before.pw)).toBe(false);
      await p.waitFor(/"msg":"logged in again"/, 5000);
      // The next 1 s refresh sees the 403, lookup-self confirms the token is gone, one backoff step (≤ 1 s).
      expect(Date.now() - revoked).toBeLessThan(3000);
      await until(
        "fresh credentials on disk",
        () => {
          const c = creds(path.join(out, "db.env"));
          return !!c && c.u !== before.u && env.vault.verifyDatabaseCredential(c.u, c.pw);
        },
        4000,
      );
      await until("app notified", () => notified(notifyFile) >= 1, 3000);
      const v = fixture("rv1");
      await env.kvPut("app/db", { password: v });
      await until("KV still refreshed", () => fileText(path.join(out, "kv")) === v, 3000);
      await until("ready", async () => (await readyz(base)) === 200, 3000);
    } finally {
      await p.stop();
    }
  });

  it("a policy (403) or server (404) without sys/leases/lookup: asked once, then the lease is left to its renewal", async () => {
    for (const [status, msg] of [
      [403, /sys\/leases\/lookup denied/],
      [404, /sys\/leases\/lookup unavailable/],
    ] as const) {
      env.vault.setFaults({ failureRate: 1, failureStatus: status, pathPrefix: "sys/leases/lookup" });
      env.vault.resetStats();
      const { p, out } = start("", "300ms");
      try {
        const base = await p.baseUrl();
        await until("ready", async () => (await readyz(base)) === 200);
        await p.waitFor(msg, 4000);
        const before = creds(path.join(out, "db.env"))!;
        await new Promise((r) => setTimeout(r, 1000)); // three more refresh intervals
        expect(env.vault.stats().byPath["/v1/sys/leases/lookup"]).toBe(1);
        expect(creds(path.join(out, "db.env"))).toEqual(before);
        expect(await readyz(base)).toBe(200);
      } finally {
        env.vault.clearFaults();
        await p.stop();
      }
    }
  });

  it("one lease revoked: fresh credentials are fetched and the app notified", async () => {
    const { p, out, notifyFile } = start();
    try {
      const base = await p.baseUrl();
      await until("ready", async () => (await readyz(base)) === 200);
      const before = creds(path.join(out, "db.env"))!;
      const leases = (await (await fetch(`${env.vault.url}/__dev/leases`, { headers: { "X-Vault-Token": env.vault.rootToken } })).json()) as {
        leases: { lease_id: string }[];
      };
      const mine = leases.leases.map((l) => l.lease_id).filter((id) => id.startsWith("database/creds/app/"));
      for (const id of mine) env.vault.revokeLease(id);
      expect(env.vault.verifyDatabaseCredential(before.u, before.pw)).toBe(false);
      const revoked = Date.now();
      await until(
        "fresh, live credentials on disk",
        () => {
          const c = creds(path.join(out, "db.env"));
          return !!c && c.u !== before.u && env.vault.verifyDatabaseCredential(c.u, c.pw);
        },
        5000,
      );
      // Within a refresh interval (1 s) and a backoff step, not at the 1 h lease's renewal.
      expect(Date.now() - revoked).toBeLessThan(3500);
      await until("app notified", () => notified(notifyFile) === 1, 3000);
      await until("ready", async () => (await readyz(base)) === 200, 3000);
    } finally {
      await p.stop();
    }
  });
});
