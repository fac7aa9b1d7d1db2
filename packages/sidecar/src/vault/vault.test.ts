import { describe, expect, it, vi } from "vitest";
import { pino } from "pino";
import { toVaultError } from "./errors.js";
import { classifyResponse, kv2MetadataPath } from "./secrets.js";
import { TokenManager } from "./token.js";
import { SidecarMetrics } from "../server/metrics.js";
import { VaultAuthError, VaultNotFoundError, VaultRateLimitedError, VaultRequestError, VaultSealedError, VaultUnavailableError } from "../errors.js";
import type { VaultClient } from "./client.js";
import type { Authenticator } from "./auth.js";

describe("toVaultError", () => {
  const apiErr = (statusCode: number, errors: string[] = []) =>
    Object.assign(new Error(errors[0] ?? `Status ${statusCode}`), { response: { statusCode, body: { errors } } });
  it.each([
    [401, VaultAuthError, false],
    [403, VaultAuthError, false],
    [404, VaultNotFoundError, false],
    [429, VaultRateLimitedError, true],
    [500, VaultUnavailableError, true],
    [412, VaultUnavailableError, true],
    [400, VaultRequestError, false],
  ])("maps HTTP %i", (status, cls, retryable) => {
    const e = toVaultError(apiErr(status as number, ["x"]), "read", "secret/data/a");
    expect(e).toBeInstanceOf(cls);
    expect(e.retryable).toBe(retryable);
    expect(e.status).toBe(status);
  });
  it("tells sealed from other 503s", () => {
    expect(toVaultError(apiErr(503, ["Vault is sealed"]), "read", "p")).toBeInstanceOf(VaultSealedError);
    expect(toVaultError(apiErr(503, ["standby"]), "read", "p")).toBeInstanceOf(VaultUnavailableError);
  });
  it("drops axios errors (and their headers) for a fresh error", () => {
    const axiosErr = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED", config: { headers: { "X-Vault-Token": "hvs.SECRETTOKEN123" } } });
    const e = toVaultError(axiosErr, "login", "auth/approle/login");
    expect(e).toBeInstanceOf(VaultUnavailableError);
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain("hvs.SECRETTOKEN123");
    expect((e as unknown as { config?: unknown }).config).toBeUndefined();
    expect(toVaultError(Object.assign(new Error("timeout of 10ms exceeded"), { code: "ECONNABORTED" }), "read", "p").message).toMatch(/timed out/);
  });
  it("scrubs secrets the server echoes", () => {
    const e = toVaultError(apiErr(400, ["invalid secret id sid-abcdef"]), "login", "auth/approle/login", ["sid-abcdef"]);
    expect(e.message).not.toContain("sid-abcdef");
  });
});

describe("classifyResponse (documented shapes)", () => {
  it("KV v2", () => {
    const r = classifyResponse("l", "secret/data/a", {
      lease_id: "",
      lease_duration: 0,
      data: { data: { a: "1" }, metadata: { version: 3, destroyed: false } },
    });
    expect(r).toEqual({ kind: "kv2", data: { a: "1" }, version: 3 });
  });
  it("KV v1 with its advisory 768h lease", () => {
    const r = classifyResponse("l", "kv/a", { lease_id: "", lease_duration: 2764800, renewable: false, data: { a: "1" } });
    expect(r).toEqual({ kind: "kv1", data: { a: "1" } });
  });
  it("KV v1 data that merely looks like v2, with a mount hint", () => {
    const body = { lease_id: "", data: { data: { a: 1 }, metadata: { x: 1 } } };
    expect(classifyResponse("l", "kv/a", body, "1").kind).toBe("kv1");
  });
  it("leased dynamic secrets", () => {
    const r = classifyResponse("l", "database/creds/app", {
      lease_id: "database/creds/app/abc",
      lease_duration: 3600,
      renewable: true,
      data: { username: "u", password: "p" },
    });
    expect(r).toEqual({ kind: "leased", leaseId: "database/creds/app/abc", leaseDuration: 3600, renewable: true, data: { username: "u", password: "p" } });
  });
  it("a deleted KV v2 version is a missing secret", () => {
    expect(() => classifyResponse("l", "secret/data/a", { data: { data: null, metadata: { version: 2, deletion_time: "2024-01-01" } } })).toThrow(
      /deleted or destroyed/,
    );
  });
  it("metadata paths", () => {
    expect(kv2MetadataPath("secret/data/app/db", "secret/")).toBe("secret/metadata/app/db");
    expect(kv2MetadataPath("team/kv/data/x", "team/kv/")).toBe("team/kv/metadata/x");
    expect(kv2MetadataPath("secret/data/app/db")).toBe("secret/metadata/app/db");
  });
});

describe("TokenManager (fake time)", () => {
  it("renews at ~2/3 TTL, logs in again when the max TTL caps a renewal, and after a refused renewal", async () => {
    vi.useFakeTimers();
    try {
      const logins: number[] = [];
      const auth: Authenticator = {
        method: "approle",
        login: async () => {
          logins.push(Date.now());
          return { token: "t", ttl: 30, renewable: true };
        },
      };
      const renewals = [30, 30, 12];
      const client = {
        renewSelf: vi.fn(async () => {
          const ttl = renewals.shift();
          if (ttl === undefined) throw new VaultAuthError("renew: HTTP 403", { status: 403, path: "auth/token/renew-self" });
          return { ttl, renewable: true };
        }),
      } as unknown as VaultClient;
      const clock = {
        now: () => Date.now(),
        setTimeout: (f: () => void, ms: number) => setTimeout(f, ms),
        clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
        random: () => 0.5,
      };
      const relogins = vi.fn();
      const tm = new TokenManager(client, auth, {
        clock,
        log: pino({ level: "silent" }),
        metrics: new SidecarMetrics(),
        retry: { initialMs: 1000, maxMs: 5000 },
        onRelogin: relogins,
      });
      await tm.login();
      expect(logins).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(20_000); // renew #1 at 20s
      await vi.advanceTimersByTimeAsync(20_000); // renew #2 at 40s
      expect(client.renewSelf).toHaveBeenCalledTimes(2);
      await vi.advanceTimersByTimeAsync(20_000); // renew #3 at 60s: capped at 12s
      expect(logins).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(8_000); // 2/3 of 12s later: new login
      expect(logins).toHaveLength(2);
      expect(relogins).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(20_000); // renewal refused (403): log in again at once
      expect(logins).toHaveLength(3);
      expect(tm.isLost).toBe(false);
      tm.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("backs off between failed logins and never gives up", async () => {
    vi.useFakeTimers();
    try {
      let attempts = 0;
      const auth: Authenticator = {
        method: "approle",
        login: async () => {
          if (++attempts < 4) throw new VaultUnavailableError("login: ECONNREFUSED", { path: "auth/approle/login" });
          return { token: "t", ttl: 0, renewable: false };
        },
      };
      const clock = {
        now: () => Date.now(),
        setTimeout: (f: () => void, ms: number) => setTimeout(f, ms),
        clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
        random: () => 1,
      };
      const tm = new TokenManager({} as VaultClient, auth, {
        clock,
        log: pino({ level: "silent" }),
        metrics: new SidecarMetrics(),
        retry: { initialMs: 1000, maxMs: 300_000 },
      });
      const done = tm.login();
      await vi.advanceTimersByTimeAsync(999);
      expect(attempts).toBe(1);
      await vi.advanceTimersByTimeAsync(1 + 2000 + 4000);
      await done;
      expect(attempts).toBe(4);
      tm.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
