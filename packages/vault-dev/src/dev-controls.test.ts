/** The /__dev/ test controls and the programmatic helpers behind them. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { client, sleep } from "../test/client.js";
import { startVaultDev, type VaultDev } from "./server.js";

let dev: VaultDev;
const api = client(() => ({ url: dev.url, token: dev.rootToken }));
const control = async (method: string, path: string, body?: unknown, token: string | null = dev.rootToken) => {
  const r = await fetch(`${dev.url}/__dev/${path}`, {
    method,
    headers: token === null ? {} : { "X-Vault-Token": token },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
};

beforeAll(async () => {
  dev = await startVaultDev({ seed: { kv2: { "app/db": { password: "s3cr3t" } } } });
});
afterAll(async () => {
  await dev.close();
});
beforeEach(() => {
  dev.clearFaults();
  dev.unseal();
});

describe("/__dev controls", () => {
  it("need the root token: a browser's text/plain post without it changes nothing", async () => {
    for (const token of [null, "not-the-root-token"]) {
      const r = await control("POST", "seed", "kv2:\n  planted: { a: b }\n", token);
      expect(r.status).toBe(403);
      expect((await control("POST", "seal", undefined, token)).status).toBe(403);
    }
    expect((await api.get("secret/data/planted")).status).toBe(404);
    expect((await api.get("sys/health")).status).toBe(200);
    // The JWKS is public, as an identity provider's is.
    expect((await control("GET", "jwks", undefined, null)).status).toBe(200);
  });

  it("lists its endpoints and needs no token", async () => {
    const r = await control("GET", "");
    expect(r.status).toBe(200);
    expect(r.body.endpoints).toContain("POST /__dev/seal");
  });

  it("seals and unseals", async () => {
    expect((await control("POST", "seal")).body).toEqual({ sealed: true });
    expect((await api.get("sys/health")).status).toBe(503);
    expect((await api.get("secret/data/app/db")).body).toEqual({ errors: ["Vault is sealed"] });
    await control("POST", "unseal");
    expect((await api.get("secret/data/app/db")).status).toBe(200);
  });

  it("counts requests in flight, and the peak, under a fixed delay", async () => {
    await control("POST", "stats/reset");
    await control("POST", "delay", { ms: 150 });
    const started = Date.now();
    const all = await Promise.all(Array.from({ length: 10 }, () => api.get("secret/data/app/db")));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const s = (await control("GET", "stats")).body;
    expect(s.peakInFlight).toBe(10);
    expect(s.inFlight).toBe(0);
    expect(s.total).toBe(10);
    expect(s.byPath["/v1/secret/data/app/db"]).toBe(10);
    expect(s.byMethodPath["GET /v1/secret/data/app/db"]).toBe(10);
    expect(Object.values(s.perSecond as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(10);
    expect(s.maxPerSecond).toBeGreaterThanOrEqual(5);
    // Each request with when it arrived and what it got.
    expect(s.requests).toHaveLength(10);
    for (const r of s.requests) {
      expect(r).toEqual({ at: expect.any(Number), method: "GET", path: "/v1/secret/data/app/db", status: 200 });
      expect(r.at).toBeGreaterThanOrEqual(started);
      expect(r.at).toBeLessThanOrEqual(Date.now());
    }
    // /__dev traffic is not counted.
    expect((await control("GET", "stats")).body.total).toBe(10);
    await control("POST", "stats/reset");
    expect(dev.stats()).toMatchObject({ total: 0, peakInFlight: 0, byPath: {}, requests: [] });
  });

  it("keeps the last 1,000 requests in the request log, with the status each got", async () => {
    dev.resetStats();
    await api.get("sys/nope");
    for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 100 }, () => api.get("secret/data/app/db")));
    const s = dev.stats();
    expect(s.total).toBe(1001);
    expect(s.requests).toHaveLength(1000);
    expect(s.requests.every((r) => r.path === "/v1/secret/data/app/db" && r.status === 200)).toBe(true);
    expect(s.requests.map((r) => r.at)).toEqual(s.requests.map((r) => r.at).sort((a, b) => a - b));
  });

  it("throttles with 429 and Retry-After, then recovers", async () => {
    await control("POST", "throttle", { count: 2, retryAfter: 3 });
    const a = await api.get("secret/data/app/db");
    const b = await api.get("secret/data/app/db");
    const c = await api.get("secret/data/app/db");
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
    expect(a.headers.get("retry-after")).toBe("3");
    expect(a.body.errors[0]).toBe('request path "secret/data/app/db": rate limit quota exceeded');
  });

  it("injects failures at a rate with a chosen status, only under pathPrefix", async () => {
    await control("POST", "faults", { failureRate: 1, failureStatus: 502, pathPrefix: "secret/" });
    const r = await api.get("secret/data/app/db");
    expect(r.status).toBe(502);
    expect(r.body.errors).toHaveLength(1);
    expect((await api.get("sys/health")).status).toBe(200);
    await control("DELETE", "faults");
    expect((await api.get("secret/data/app/db")).status).toBe(200);
  });

  it("rejects a bad fault value", async () => {
    expect((await control("POST", "faults", { delayMs: "soon" })).status).toBe(400);
  });

  it("revokes all tokens but root, and their leases", async () => {
    const t = dev.createToken({ ttl: "1h" });
    await api.post("database/roles/r", { default_ttl: "1h", max_ttl: "2h" });
    const c = await api.get("database/creds/r", { token: t });
    expect(c.status).toBe(200);
    const r = await control("POST", "revoke-tokens");
    expect(r.body.revoked).toBeGreaterThanOrEqual(1);
    expect((await api.get("auth/token/lookup-self", { token: t })).status).toBe(403);
    expect((await api.get("auth/token/lookup-self")).status).toBe(200);
    expect((await api.put("sys/leases/lookup", { lease_id: c.body.lease_id })).status).toBe(400);
  });

  it("revokes one lease", async () => {
    await api.post("database/roles/r", { default_ttl: "1h", max_ttl: "2h" });
    const c = await api.get("database/creds/r");
    expect((await control("GET", "leases")).body.leases.map((l: { lease_id: string }) => l.lease_id)).toContain(c.body.lease_id);
    expect(dev.verifyDatabaseCredential(c.body.data.username, c.body.data.password)).toBe(true);
    expect((await control("POST", "database/verify", { username: c.body.data.username, password: c.body.data.password })).body.valid).toBe(true);
    expect((await control("POST", "revoke-lease", { lease_id: c.body.lease_id })).body).toEqual({ revoked: true });
    expect((await api.put("sys/leases/renew", { lease_id: c.body.lease_id })).body.errors).toEqual(["lease not found"]);
    expect(dev.verifyDatabaseCredential(c.body.data.username, c.body.data.password)).toBe(false);
  });

  it("moves the clock forward so TTLs pass without waiting", async () => {
    const t = dev.createToken({ ttl: "1h" });
    expect((await api.get("auth/token/lookup-self", { token: t })).status).toBe(200);
    const r = await control("POST", "clock", { advance: "2h" });
    expect(r.body.offsetMs).toBeGreaterThanOrEqual(7_200_000);
    expect((await api.get("auth/token/lookup-self", { token: t })).status).toBe(403);
    expect((await api.get("auth/token/lookup-self")).status).toBe(200);
  });

  it("loads more seed data from YAML, and names the bad key on error", async () => {
    const ok = await fetch(`${dev.url}/__dev/seed`, { method: "POST", headers: { "X-Vault-Token": dev.rootToken }, body: "kv1:\n  extra/one: { a: b }\n" });
    expect(ok.status).toBe(204);
    expect((await api.get("kv/extra/one")).body.data).toEqual({ a: "b" });
    const bad = await control("POST", "seed", "approle:\n  app: { token_ttl: soon }\n");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatch(/approle\.app/);
    const unknown = await control("POST", "seed", "kv3: {}\n");
    expect(unknown.body.errors[0]).toMatch(/unknown key "kv3"/);
  });

  it("answers an unknown control with 404", async () => {
    expect((await control("POST", "nope")).status).toBe(404);
  });
});

describe("request log", () => {
  it("logs method, path and status, never tokens or values", async () => {
    const lines: string[] = [];
    const v = await startVaultDev({ rootToken: "root-token-secret", log: (l) => lines.push(l) });
    try {
      const a = client(() => ({ url: v.url, token: v.rootToken }));
      await a.post("secret/data/x", { data: { password: "hunter2-value" } });
      await a.get("secret/data/x");
      await a.get("secret/data/x", { token: "bogus-token" });
      expect(lines[0]).toMatch(/^POST \/v1\/secret\/data\/x 200 \d+ms$/);
      expect(lines[2]).toMatch(/^GET \/v1\/secret\/data\/x 403 /);
      const all = lines.join("\n");
      expect(all).not.toContain("root-token-secret");
      expect(all).not.toContain("hunter2-value");
      expect(all).not.toContain("bogus-token");
    } finally {
      await v.close();
    }
  });
});

describe("injected clock", () => {
  it("expires tokens and leases by the clock it is given", async () => {
    let now = Date.UTC(2030, 0, 1);
    const v = await startVaultDev({ now: () => now });
    try {
      const a = client(() => ({ url: v.url, token: v.rootToken }));
      const c = await a.post("auth/token/create", { policies: ["default"], ttl: "10s", explicit_max_ttl: "30s" });
      const tok = c.body.auth.client_token;
      now += 9_000;
      expect((await a.get("auth/token/lookup-self", { token: tok })).body.data.ttl).toBe(1);
      const r = await a.post("auth/token/renew-self", { increment: "1h" }, { token: tok });
      expect(r.body.auth.lease_duration).toBe(21);
      expect(r.body.warnings).toEqual(['TTL of "1h" exceeded the effective max_ttl of "21s"; TTL value is capped accordingly']);
      now += 21_000;
      expect((await a.get("auth/token/lookup-self", { token: tok })).status).toBe(403);
    } finally {
      await v.close();
    }
  });
});

describe("real-time expiry of login tokens", () => {
  it("expires an AppRole token at its max TTL even when renewed", async () => {
    const v = await startVaultDev({
      seed: { approle: { app: { role_id: "rid", secret_id: "sid", token_ttl: "1s", token_max_ttl: "2s" } } },
    });
    try {
      const a = client(() => ({ url: v.url, token: v.rootToken }));
      const l = await a.post("auth/approle/login", { role_id: "rid", secret_id: "sid" }, { token: null });
      const tok = l.body.auth.client_token;
      await sleep(600);
      expect((await a.post("auth/token/renew-self", {}, { token: tok })).status).toBe(200);
      await sleep(1600);
      expect((await a.get("auth/token/lookup-self", { token: tok })).status).toBe(403);
    } finally {
      await v.close();
    }
  });
});
