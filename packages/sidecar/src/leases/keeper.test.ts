import { describe, expect, it } from "vitest";
import { VaultAuthError, VaultRateLimitedError, VaultRequestError, VaultUnavailableError } from "../errors.js";
import { harness, testConfig } from "../../test/harness.js";

// Fake clock, fake Vault: every assertion is an exact schedule in ms. With random() = 0.5 the
// ±10% jitter is zero, so a 30 s lease is renewed at exactly 20 000 ms (2/3), not 28 500 (95%).

describe("lease keeper: schedule", () => {
  it("renews a 30 s lease at exactly 2/3 of its TTL, again and again", async () => {
    const h = harness();
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    expect(h.clock.pending()).toEqual([{ in: 20_000, delay: 20_000 }]);
    await h.clock.advance(60_000);
    expect(h.ops(t0, "fetch", "renew")).toEqual([
      ["fetch", 0],
      ["renew", 20_000],
      ["renew", 40_000],
      ["renew", 60_000],
    ]);
    // The renewal asks for the duration granted at fetch.
    expect(h.calls.filter((c) => c.op === "renew").every((c) => c.arg === "database/creds/app/L1")).toBe(true);
  });

  it("jitters the renewal within ±10% of 2/3 of the TTL", async () => {
    for (const [random, expected] of [
      [0, 18_000],
      [0.999999, 22_000],
    ] as const) {
      const h = harness();
      h.clock.random = () => random;
      // random() also phases polls; a leased run never polls, so the only timer is the renewal.
      await h.pipeline.refresh(h.run);
      expect(h.clock.pending().map((p) => p.in)).toEqual([expected]);
    }
  });

  it("a renewal capped by the max TTL replaces the lease at once and revokes the old one after revokeOld", async () => {
    const h = harness({ config: testConfig("  revokeOld: 5s\n") });
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    // Vault grants 20 s of the 30 asked for: the max TTL is near (below 90%).
    h.vault.renew = () => ({ ttl: 20, renewable: true });
    await h.clock.advance(20_000);
    expect(h.ops(t0)).toEqual([
      ["fetch", 0],
      ["renew", 20_000],
      ["fetch", 20_000],
    ]);
    expect(h.stored.map((s) => [s.bytes, s.at - t0])).toEqual([
      ["v1", 0],
      ["v2", 20_000],
    ]);
    h.vault.renew = () => ({ ttl: 30, renewable: true });
    await h.clock.advance(5_000);
    expect(h.ops(t0, "revoke")).toEqual([["revoke", 25_000]]);
    expect(h.calls.find((c) => c.op === "revoke")?.arg).toBe("database/creds/app/L1");
    // The new lease is renewed on its own 2/3.
    await h.clock.advance(15_000);
    expect(h.ops(t0, "renew").at(-1)).toEqual(["renew", 40_000]);
    expect(h.calls.filter((c) => c.op === "renew").at(-1)?.arg).toBe("database/creds/app/L2");
  });

  it("a renewal at 90% or more of the duration is not a cap", async () => {
    const h = harness();
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    h.vault.renew = () => ({ ttl: 27, renewable: true });
    await h.clock.advance(20_000);
    // 2/3 of the 27 s now left.
    expect(h.clock.pending()).toEqual([{ in: 18_000, delay: 18_000 }]);
    expect(h.ops(t0, "fetch")).toEqual([["fetch", 0]]);
  });

  it("a refused renewal fetches new credentials at once", async () => {
    const h = harness();
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    h.vault.renew = () => new VaultRequestError("renew: HTTP 400", { status: 400, path: "sys/leases/renew" });
    await h.clock.advance(20_000);
    expect(h.ops(t0, "fetch", "renew")).toEqual([
      ["fetch", 0],
      ["renew", 20_000],
      ["fetch", 20_000],
    ]);
  });

  it("a lease that cannot be renewed is replaced at 2/3 of its TTL, without a renew call", async () => {
    const h = harness();
    h.source.next = () => ({ expiry: { leaseId: `database/creds/app/L${h.source.fetches}`, durationSec: 30, renewable: false } });
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    await h.clock.advance(40_000);
    expect(h.ops(t0)).toEqual([
      ["fetch", 0],
      ["fetch", 20_000],
      ["fetch", 40_000],
      // revokeOld defaults to 30 s: the first replaced lease is revoked at 20 + 30 s.
    ]);
  });

  it("an expiry without a lease id (a certificate's notAfter) is re-fetched at 2/3 of the time left", async () => {
    const h = harness();
    h.source.next = () => ({ expiry: { durationSec: 90, renewable: false } });
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    await h.clock.advance(120_000);
    expect(h.ops(t0)).toEqual([
      ["fetch", 0],
      ["fetch", 60_000],
      ["fetch", 120_000],
    ]);
  });

  it("looks the lease up every refreshInterval when that comes first; a revoked lease is replaced at once", async () => {
    const h = harness({ refreshMs: 5_000 });
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    await h.clock.advance(10_000);
    expect(h.ops(t0)).toEqual([
      ["fetch", 0],
      ["lookup", 5_000],
      ["lookup", 10_000],
    ]);
    h.vault.lookup = () => new VaultRequestError("lookup: HTTP 400: invalid lease", { status: 400, path: "sys/leases/lookup" });
    await h.clock.advance(5_000);
    expect(h.ops(t0).slice(3)).toEqual([
      ["lookup", 15_000],
      ["fetch", 15_000],
    ]);
  });

  it("sys/leases/lookup denied by policy (token alive): never looked up again, even after a re-login; renewal goes on", async () => {
    const h = harness({ refreshMs: 5_000 });
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    h.vault.lookup = () => new VaultAuthError("lookup: HTTP 403: permission denied", { status: 403, path: "sys/leases/lookup" });
    await h.clock.advance(5_000);
    expect(h.tokens.denied.has("lease-lookup")).toBe(true);
    // A new login (new token generation) does not bring the lookups back: the policy is the same.
    h.tokens.generation = 2;
    h.leases.onRelogin(h.runs.values());
    await h.clock.advance(60_000);
    expect(h.ops(t0, "lookup")).toEqual([["lookup", 5_000]]);
    expect(h.ops(t0, "fetch")).toEqual([
      ["fetch", 0],
      ["fetch", 5_000],
    ]);
    expect(h.ops(t0, "renew").length).toBeGreaterThanOrEqual(2);
  });

  it("a 403 on a lease lookup from a token that is gone is not taken as the policy", async () => {
    const h = harness({ refreshMs: 5_000 });
    h.tokens.deniedByPolicy = async () => false;
    await h.pipeline.refresh(h.run);
    h.vault.lookup = () => new VaultAuthError("lookup: HTTP 403: permission denied", { status: 403, path: "sys/leases/lookup" });
    await h.clock.advance(5_000);
    expect(h.tokens.denied.has("lease-lookup")).toBe(false);
  });

  it("after a re-login every lease is fetched again at once (they belong to the old token)", async () => {
    const h = harness();
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    await h.clock.advance(7_000);
    h.tokens.generation = 2;
    h.leases.onRelogin(h.runs.values());
    await h.clock.advance(0);
    expect(h.ops(t0)).toEqual([
      ["fetch", 0],
      ["fetch", 7_000],
    ]);
    expect(h.run.lease).toMatchObject({ id: "database/creds/app/L2", generation: 2 });
    // Renewal of the new lease is at 2/3 from the re-fetch, the old schedule is gone.
    expect(h.clock.pending().map((p) => p.in)).toEqual([20_000, 30_000]);
  });
});

describe("pipeline: retry schedule after a failure", () => {
  it("backs off from retry.initial, doubling, capped at min(retry.max, refreshInterval)", async () => {
    const h = harness({ refreshMs: 600 });
    h.source.next = () => new VaultUnavailableError("read: HTTP 500", { status: 500, path: "database/creds/app" });
    await h.pipeline.refresh(h.run);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) waits.push(await h.clock.next());
    // retry { initial: 200ms, max: 1s }, refreshInterval 600ms; random 0.5 → 3/4 of each step
    // (150, 300, 450, 450), each lifted by the 1 s floor to 1 s + 12.5% jitter (issue 19).
    expect(waits).toEqual([1_125, 1_125, 1_125, 1_125]);
  });

  it("a 429 with Retry-After 7 s waits exactly 7 000 ms, longer than refreshInterval and retry.max", async () => {
    const h = harness({ refreshMs: 600 });
    let n = 0;
    h.source.next = () =>
      ++n <= 2
        ? new VaultRateLimitedError("read: HTTP 429 (Retry-After 7s)", { status: 429, path: "database/creds/app", retryAfterMs: 7_000 })
        : { expiry: undefined };
    const t0 = h.clock.now();
    await h.pipeline.refresh(h.run);
    expect(h.clock.pending()).toEqual([{ in: 7_000, delay: 7_000 }]);
    await h.clock.advance(14_000);
    expect(h.ops(t0, "fetch")).toEqual([
      ["fetch", 0],
      ["fetch", 7_000],
      ["fetch", 14_000],
    ]);
  });

  it("a 429 without Retry-After backs off harder: 4x the step, up to twice the cap", async () => {
    const h = harness();
    h.source.next = () => new VaultRateLimitedError("read: HTTP 429", { status: 429, path: "database/creds/app" });
    await h.pipeline.refresh(h.run);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) waits.push(await h.clock.next());
    // initial 200ms: steps 800, 1600, then 2 × max (1s) = 2000; 3/4 of each (600 lifted by the 1 s floor).
    expect(waits).toEqual([1_125, 1_200, 1_500, 1_500]);
  });
});
