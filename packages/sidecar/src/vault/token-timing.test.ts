import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { VaultAuthError, VaultUnavailableError } from "../errors.js";
import { SidecarMetrics } from "../server/metrics.js";
import { FakeClock } from "../../test/fake-clock.js";
import type { Authenticator } from "./auth.js";
import type { LoginResult, VaultClient } from "./client.js";
import { TokenManager } from "./token.js";

// TokenManager on a fake clock: exact renewal and re-login times. random() = 0.5, so the ±10%
// jitter is zero and the backoff is 3/4 of each step.

function setup(opts: { login?: () => LoginResult | Error; renew?: () => { ttl: number; renewable: boolean } | Error } = {}) {
  const clock = new FakeClock();
  const t0 = clock.now();
  const events: Array<[string, number]> = [];
  const at = () => clock.now() - t0;
  let logins = 0;
  const auth: Authenticator = {
    method: "approle",
    async login() {
      logins++;
      events.push(["login", at()]);
      const r = opts.login?.() ?? { token: `t${logins}`, ttl: 30, renewable: true };
      if (r instanceof Error) throw r;
      return r;
    },
  };
  const behaviour = {
    renew: opts.renew ?? ((): { ttl: number; renewable: boolean } | Error => ({ ttl: 30, renewable: true })),
    lookup: (): { ttl: number; renewable: boolean } | Error => ({ ttl: 1, renewable: true }),
  };
  const client = {
    async renewSelf(increment?: number) {
      events.push([`renew(${increment})`, at()]);
      const r = behaviour.renew();
      if (r instanceof Error) throw r;
      return r;
    },
    async lookupSelf() {
      events.push(["lookup-self", at()]);
      const r = behaviour.lookup();
      if (r instanceof Error) throw r;
      return r;
    },
  } as unknown as VaultClient;
  const relogins: number[] = [];
  const tokens = new TokenManager(client, auth, {
    clock,
    log: pino({ level: "silent" }),
    metrics: new SidecarMetrics(),
    retry: { initialMs: 1000, maxMs: 8000 },
    onRelogin: () => relogins.push(at()),
  });
  return { clock, tokens, events, relogins, behaviour };
}

describe("token timing", () => {
  it("renews a 30 s token at exactly 2/3 of its TTL, asking for the login TTL each time", async () => {
    const s = setup();
    await s.tokens.login();
    await s.clock.advance(60_000);
    expect(s.events).toEqual([
      ["login", 0],
      ["lookup-self", 0], // the probe after the first login: may this token look itself up?
      ["renew(30)", 20_000],
      ["renew(30)", 40_000],
      ["renew(30)", 60_000],
    ]);
    s.tokens.stop();
  });

  it("a renewal capped below 90% of the login TTL: logs in again at 2/3 of what is left, then re-fetches leases", async () => {
    const s = setup();
    await s.tokens.login();
    s.behaviour.renew = () => ({ ttl: 15, renewable: true });
    await s.clock.advance(30_000);
    expect(s.events).toEqual([
      ["login", 0],
      ["lookup-self", 0], // the probe after the first login: may this token look itself up?
      ["renew(30)", 20_000],
      ["login", 30_000],
    ]);
    expect(s.relogins).toEqual([30_000]);
    expect(s.tokens.generation).toBe(2);
    s.tokens.stop();
  });

  it("a token that is not renewable is replaced by a new login at 2/3 of its TTL", async () => {
    const s = setup({ login: () => ({ token: "t", ttl: 30, renewable: false }) });
    await s.tokens.login();
    await s.clock.advance(40_000);
    expect(s.events).toEqual([
      ["login", 0],
      ["lookup-self", 0], // the probe after the first login: may this token look itself up?
      ["login", 20_000],
      ["login", 40_000],
    ]);
    s.tokens.stop();
  });

  it("a failed renewal is retried after min(time left / 3, one backoff step), then a refused one logs in again", async () => {
    const s = setup();
    await s.tokens.login();
    s.behaviour.renew = () => new VaultUnavailableError("renew: HTTP 500", { status: 500, path: "auth/token/renew-self" });
    await s.clock.advance(20_000);
    // 10 s left; backoffDelay(1) with initial 1 s is 2 s × 3/4 = 1.5 s, under 10/3 s.
    expect(s.clock.pending()).toEqual([{ in: 1_500, delay: 1_500 }]);
    s.behaviour.renew = () => new VaultAuthError("renew: HTTP 403", { status: 403, path: "auth/token/renew-self" });
    s.behaviour.lookup = () => new VaultAuthError("lookup-self: HTTP 403", { status: 403, path: "auth/token/lookup-self" });
    await s.clock.advance(1_500);
    expect(s.events).toEqual([
      ["login", 0],
      ["lookup-self", 0], // the probe after the first login: may this token look itself up?
      ["renew(30)", 20_000],
      ["renew(30)", 21_500],
      ["lookup-self", 21_500], // refused, and lookup-self (which worked before) refuses too: the token is gone
      ["login", 21_500],
    ]);
    expect(s.relogins).toEqual([21_500]);
    s.tokens.stop();
  });

  it("renew-self denied by policy (the token is alive): no more renewals, one new login just before it expires", async () => {
    const s = setup();
    await s.tokens.login();
    s.behaviour.renew = () => new VaultAuthError("renew: HTTP 403", { status: 403, path: "auth/token/renew-self" });
    await s.clock.advance(20_000);
    // lookup-self still works: the 403 was the policy's. 10 s left, re-login 1 s (10%) before the end.
    await s.clock.advance(9_500);
    expect(s.events).toEqual([
      ["login", 0],
      ["lookup-self", 0],
      ["renew(30)", 20_000],
      ["lookup-self", 20_000],
      ["login", 29_000],
    ]);
    expect(s.relogins).toEqual([29_000]);
    // The new token is not renewed either: renew-self stays denied for this connection.
    await s.clock.advance(27_000);
    expect(s.events.filter((e) => e[0].startsWith("renew"))).toHaveLength(1);
    expect(s.relogins).toEqual([29_000, 56_000]);
    s.tokens.stop();
  });

  it("without lookup-self (policy without default), a 403 on a read is the policy while the token is in its TTL; on a path that worked before, it logs in again", async () => {
    const s = setup();
    s.behaviour.lookup = () => new VaultAuthError("lookup-self: HTTP 403", { status: 403, path: "auth/token/lookup-self" });
    await s.tokens.login();
    expect(s.tokens.denied.has("lookup-self")).toBe(true);
    expect(await s.tokens.deniedByPolicy()).toBe(true);
    expect(await s.tokens.deniedByPolicy()).toBe(true);
    expect(s.events.filter((e) => e[0] === "lookup-self")).toHaveLength(1); // asked once, at the first login
    expect(s.relogins).toEqual([]);
    expect(await s.tokens.deniedByPolicy({ workedBefore: true })).toBe(false);
    expect(s.relogins).toEqual([0]);
    s.tokens.stop();
  });

  it("login failures back off exactly: 1125, 1500, 3000, 6000, 6000 ms (initial 1 s, max 8 s, 3/4 of each step; the first lifted by the 1 s floor with jitter)", async () => {
    let n = 0;
    const s = setup({
      login: () =>
        ++n <= 5 ? new VaultUnavailableError("login: HTTP 503", { status: 503, path: "auth/approle/login" }) : { token: "t", ttl: 0, renewable: false },
    });
    const done = s.tokens.login();
    await s.clock.advance(30_000);
    await done;
    expect(s.events.filter((e) => e[0] === "login").map((e) => e[1])).toEqual([0, 1_125, 2_625, 5_625, 11_625, 17_625]);
    expect(s.tokens.isLost).toBe(false);
    s.tokens.stop();
  });

  it("a 403 on a read checks the token with lookup-self; a rejected token logs in again at once", async () => {
    const s = setup();
    await s.tokens.login();
    await s.clock.advance(5_000);
    s.behaviour.lookup = () => new VaultAuthError("lookup-self: HTTP 403", { status: 403, path: "auth/token/lookup-self" });
    await s.tokens.checkAfterDenied();
    expect(s.events).toEqual([
      ["login", 0],
      ["lookup-self", 0], // the probe after the first login: may this token look itself up?
      ["lookup-self", 5_000],
      ["login", 5_000],
    ]);
    expect(s.relogins).toEqual([5_000]);
    s.tokens.stop();
  });

  it("a 403 on a read with a token lookup-self still accepts is the policy: no new login", async () => {
    const s = setup();
    await s.tokens.login();
    await s.clock.advance(5_000);
    await s.tokens.checkAfterDenied();
    expect(s.events).toEqual([
      ["login", 0],
      ["lookup-self", 0], // the probe after the first login: may this token look itself up?
      ["lookup-self", 5_000],
    ]);
    expect(s.relogins).toEqual([]);
    expect(s.clock.pending()).toEqual([{ in: 15_000, delay: 20_000 }]);
    s.tokens.stop();
  });
});
